//! Importing an entity's records from a table (a CSV or spreadsheet file
//! already read into a header and rows): columns found by header name,
//! every row read and checked as a form would be, every bad row reported
//! with its line and reason, duplicates inside the file found. Nothing
//! here stores anything: the server stores the whole file in one
//! transaction, or nothing.
//!
//! A column matches a field by its name (`nom_naissance`) or its label
//! (« Nom de naissance »), case, accents and punctuation aside; columns
//! that match no field are ignored and listed. A reference may be given by
//! id or by the referenced record's title (a street by its name): the
//! caller resolves it, since that needs the database.

use crate::schema::{Entity, Field, Kind};
use crate::validate::{FieldError, check_form};
use crate::value::{Value, fold};

/// A problem with one row (or the whole file when `line` is 0).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// 1-based line of the file (0: the file as a whole).
    pub line: u64,
    /// The field's name, when the problem is one field's.
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, &self.field) {
            (0, _) => f.write_str(&self.message),
            (l, Some(c)) => write!(f, "ligne {l}, {c} : {}", self.message),
            (l, None) => write!(f, "ligne {l} : {}", self.message),
        }
    }
}

/// Which column holds each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Per field of the entity, in order: the column's index.
    pub of_field: Vec<Option<usize>>,
    /// Header cells that match no field (ignored).
    pub ignored: Vec<String>,
}

fn key(s: &str) -> String {
    fold(s)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Finds each field's column; refuses a file lacking a required field's
/// column, or naming a field twice.
pub fn columns(e: &Entity, header: &[String]) -> Result<Columns, Vec<RowError>> {
    let keys: Vec<String> = header.iter().map(|h| key(h)).collect();
    let mut errors = Vec::new();
    let mut of_field = Vec::with_capacity(e.fields.len());
    for f in &e.fields {
        let names = [key(f.name), key(f.label)];
        let found: Vec<usize> = keys
            .iter()
            .enumerate()
            .filter(|(_, k)| names.contains(k))
            .map(|(i, _)| i)
            .collect();
        if found.len() > 1 {
            errors.push(RowError {
                line: 0,
                field: Some(f.name.to_string()),
                message: format!("la colonne « {} » apparaît {} fois", f.label, found.len()),
            });
        }
        if found.is_empty() && f.required && crate::validate::is_editable(e, f) {
            errors.push(RowError {
                line: 0,
                field: Some(f.name.to_string()),
                message: format!(
                    "colonne obligatoire absente : « {} » (ou « {} »)",
                    f.label, f.name
                ),
            });
        }
        of_field.push(found.first().copied());
    }
    let ignored = header
        .iter()
        .enumerate()
        .filter(|(i, _)| !of_field.contains(&Some(*i)))
        .map(|(_, h)| h.clone())
        .collect();
    if errors.is_empty() {
        Ok(Columns { of_field, ignored })
    } else {
        Err(errors)
    }
}

/// Reads one row: each cell as a form input, references through
/// `resolve(field, text)` (an id, or a message saying why not).
pub fn read_row(
    e: &Entity,
    cols: &Columns,
    line: u64,
    row: &[String],
    resolve: &dyn Fn(&Field, &str) -> Result<String, String>,
) -> Result<Vec<Value>, Vec<RowError>> {
    let mut pairs = Vec::with_capacity(e.fields.len());
    let mut errors = Vec::new();
    for (f, col) in e.fields.iter().zip(&cols.of_field) {
        let Some(text) = col.and_then(|c| row.get(c)).map(|s| s.trim()) else {
            continue;
        };
        let text = match f.kind {
            Kind::Ref(_) if !text.is_empty() => match resolve(f, text) {
                Ok(id) => id,
                Err(message) => {
                    errors.push(RowError {
                        line,
                        field: Some(f.name.to_string()),
                        message,
                    });
                    continue;
                }
            },
            _ => text.to_string(),
        };
        pairs.push((f.name.to_string(), text));
    }
    let at = |errs: Vec<FieldError>| {
        errs.into_iter().map(|x| RowError {
            line,
            field: Some(x.field),
            message: x.message,
        })
    };
    match check_form(e, &pairs, None) {
        Ok(values) if errors.is_empty() => Ok(values),
        Ok(_) => Err(errors),
        Err((_, errs)) => {
            // A reference that did not resolve is not also « obligatoire ».
            let fresh: Vec<FieldError> = errs
                .into_iter()
                .filter(|x| {
                    !errors
                        .iter()
                        .any(|r| r.field.as_deref() == Some(x.field.as_str()))
                })
                .collect();
            errors.extend(at(fresh));
            Err(errors)
        }
    }
}

/// Rows of the file that repeat an earlier row's values in a unique set:
/// (line, the earlier line, message).
pub fn duplicates(e: &Entity, rows: &[(u64, Vec<Value>)]) -> Vec<RowError> {
    let mut out = Vec::new();
    for set in &e.unique {
        let idx: Vec<usize> = set.fields.iter().filter_map(|n| e.field_index(n)).collect();
        let mut seen: std::collections::HashMap<Vec<&Value>, u64> =
            std::collections::HashMap::new();
        for (line, values) in rows {
            let k: Vec<&Value> = idx.iter().filter_map(|i| values.get(*i)).collect();
            if k.iter().any(|v| v.is_null()) {
                continue;
            }
            if let Some(first) = seen.get(&k) {
                out.push(RowError {
                    line: *line,
                    field: set.fields.first().map(|f| f.to_string()),
                    message: format!("{} (comme la ligne {first})", set.message),
                });
            } else {
                seen.insert(k, *line);
            }
        }
    }
    out.sort_by_key(|r| r.line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Entity, Field};

    fn street() -> Entity {
        Entity::new("habitant", "Habitants", "un habitant")
            .field(Field::text("nom", "Nom de naissance", 80).required())
            .field(Field::integer("numero", "N° dans la voie").range(Some(0), None))
            .field(Field::reference("voie", "Voie", "voie").required())
            .title(&["nom"])
            .unique(&["nom", "numero"], "déjà dans le fichier")
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_match_names_or_labels_and_rows_read_like_forms() {
        let e = street();
        let cols = columns(
            &e,
            &strings(&["NOM DE NAISSANCE", "n° dans la voie", "voie", "Remarque"]),
        )
        .expect("columns");
        assert_eq!(cols.of_field, [Some(0), Some(1), Some(2)]);
        assert_eq!(cols.ignored, ["Remarque"]);
        let resolve = |_: &Field, t: &str| match t {
            "Rue Haute" => Ok("7".to_string()),
            other => Err(format!("voie inconnue : « {other} »")),
        };
        let ok = read_row(
            &e,
            &cols,
            2,
            &strings(&["Dupré", "12", "Rue Haute", ""]),
            &resolve,
        )
        .expect("row");
        assert_eq!(
            ok,
            [Value::Text("Dupré".into()), Value::Int(12), Value::Int(7)]
        );
        let bad =
            read_row(&e, &cols, 3, &strings(&["", "-1", "Rue Basse"]), &resolve).expect_err("bad");
        let got: Vec<String> = bad.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "ligne 3, voie : voie inconnue : « Rue Basse »",
                "ligne 3, nom : obligatoire",
                "ligne 3, numero : au moins 0 (-1 saisi)"
            ]
        );
        let missing = columns(&e, &strings(&["numero"])).expect_err("no name column");
        assert!(
            missing[0].message.contains("Nom de naissance"),
            "{missing:?}"
        );
        let rows = vec![
            (2, ok.clone()),
            (
                5,
                vec![Value::Text("Autre".into()), Value::Int(1), Value::Int(7)],
            ),
            (9, ok),
        ];
        let dups = duplicates(&e, &rows);
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].line, 9);
        assert!(dups[0].message.contains("ligne 2"));
    }
}

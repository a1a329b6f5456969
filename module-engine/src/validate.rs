//! Reading a whole record from a form or a JSON body, and checking it:
//! each field's type and bounds ([`crate::value`]), then required fields,
//! then the entity's business rules. Every problem is a [`FieldError`]
//! naming the field and the rule, so the form shows it next to its input
//! and the API returns it in `errors`. What needs the database (unique
//! sets, references that must exist) is checked by the server with the
//! queries of [`crate::sql`], and reported the same way.

use serde::Serialize;
use serde_json::Value as Json;

use crate::schema::{Entity, Field, Kind};
use crate::value::{Value, parse_input, parse_json};

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name (as in the JSON body and the form).
    pub field: String,
    /// The rule broken: `required`, `length`, `range`, `pattern`,
    /// `unique`, `reference`, a business rule's name…
    pub rule: &'static str,
    /// What to do, in French.
    pub message: String,
}

/// A record being checked: the entity and one value per field.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub entity: &'a Entity,
    pub values: &'a [Value],
}

impl<'a> Record<'a> {
    pub fn get(&self, name: &str) -> &'a Value {
        static NULL: Value = Value::Null;
        self.entity
            .field_index(name)
            .and_then(|i| self.values.get(i))
            .unwrap_or(&NULL)
    }
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).as_int()
    }
    pub fn text(&self, name: &str) -> Option<&'a str> {
        self.get(name).as_text()
    }
    pub fn flag(&self, name: &str) -> bool {
        self.int(name).is_some_and(|n| n != 0)
    }
    /// An error on `field` from the rule `rule`.
    pub fn error(&self, field: &str, rule: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            rule,
            message: message.into(),
        }
    }
}

/// Whether a form or the API may set the field (a state field moves only
/// through the entity's actions; derived and numbered fields are computed).
pub fn is_editable(entity: &Entity, field: &Field) -> bool {
    entity.states.as_ref().is_none_or(|s| s.field != field.name) && !entity.is_computed(field.name)
}

/// Computes the derived fields of a record whose fields read without
/// error, in their declared order (a later one may use an earlier one).
pub fn derive(entity: &Entity, values: &mut [Value]) {
    for (name, compute) in &entity.derived {
        if let Some(i) = entity.field_index(name) {
            let v = compute(&Record { entity, values });
            if let Some(slot) = values.get_mut(i) {
                *slot = v;
            }
        }
    }
}

/// The state a new record starts in (the first choice of the state field).
fn initial_state(entity: &Entity, field: &Field) -> Value {
    match (&entity.states, &field.kind) {
        (Some(s), Kind::Enum(choices)) if s.field == field.name => choices
            .first()
            .map_or(Value::Null, |(c, _)| Value::Text((*c).to_string())),
        _ => Value::Null,
    }
}

/// Reads a submitted form (name, value pairs; an unchecked checkbox is
/// absent). `current` is the stored record when editing (its state is kept).
pub fn read_form(
    entity: &Entity,
    pairs: &[(String, String)],
    current: Option<&[Value]>,
) -> (Vec<Value>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let values = entity
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if !is_editable(entity, f) {
                return current
                    .and_then(|c| c.get(i).cloned())
                    .unwrap_or_else(|| initial_state(entity, f));
            }
            let given = pairs
                .iter()
                .rev()
                .find(|(k, _)| k == f.name)
                .map_or("", |(_, v)| v.as_str());
            parse_input(f, given).unwrap_or_else(|e| {
                errors.push(e);
                Value::Null
            })
        })
        .collect();
    (values, errors)
}

/// Reads a JSON object: every member must be a field of the entity; an
/// absent member is empty (a PUT replaces the whole record).
pub fn read_json(
    entity: &Entity,
    body: &Json,
    current: Option<&[Value]>,
) -> (Vec<Value>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let Some(obj) = body.as_object() else {
        let e = FieldError {
            field: String::new(),
            rule: "type",
            message: "un objet JSON est attendu".into(),
        };
        return (Vec::new(), vec![e]);
    };
    for k in obj.keys() {
        match entity.field_named(k) {
            None => errors.push(FieldError {
                field: k.clone(),
                rule: "unknown",
                message: format!("champ inconnu pour {}", entity.singular),
            }),
            Some(f) if !is_editable(entity, f) => errors.push(FieldError {
                field: k.clone(),
                rule: "read_only",
                message: if entity.is_computed(f.name) {
                    "ce champ est calculé : il ne se saisit pas".into()
                } else {
                    "cet état change par les actions, pas par modification".into()
                },
            }),
            Some(_) => {}
        }
    }
    let values = entity
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if !is_editable(entity, f) {
                return current
                    .and_then(|c| c.get(i).cloned())
                    .unwrap_or_else(|| initial_state(entity, f));
            }
            match obj.get(f.name) {
                None => Ok(parse_input(f, "").unwrap_or(Value::Null)),
                Some(j) => parse_json(f, j),
            }
            .unwrap_or_else(|e| {
                errors.push(e);
                Value::Null
            })
        })
        .collect();
    (values, errors)
}

/// The required fields left empty (a field already refused is not
/// reported twice).
fn missing(entity: &Entity, values: &[Value], already: &[FieldError]) -> Vec<FieldError> {
    entity
        .fields
        .iter()
        .zip(values)
        .filter(|(f, v)| f.required && v.is_null() && !already.iter().any(|e| e.field == f.name))
        .map(|(f, _)| FieldError {
            field: f.name.to_string(),
            rule: "required",
            message: "obligatoire".into(),
        })
        .collect()
}

/// Checks a record whose fields were read without error: required fields,
/// then the entity's rules (run only when the fields are sound, so a rule
/// can rely on them).
pub fn validate(entity: &Entity, values: &[Value]) -> Vec<FieldError> {
    let mut errors = missing(entity, values, &[]);
    if errors.is_empty() {
        let rec = Record { entity, values };
        for (_, rule) in &entity.rules {
            errors.extend(rule(&rec));
        }
    }
    errors
}

/// Every problem of what was read: the fields refused and the required
/// ones left empty, in the form's order; the rules when there are none.
fn complete(entity: &Entity, values: &[Value], mut errors: Vec<FieldError>) -> Vec<FieldError> {
    if errors.is_empty() {
        return validate(entity, values);
    }
    if !values.is_empty() {
        let more = missing(entity, values, &errors);
        errors.extend(more);
    }
    errors.sort_by_key(|e| entity.field_index(&e.field).unwrap_or(usize::MAX));
    errors
}

/// Reads and checks in one go: the values, or every error found.
pub fn check_form(
    entity: &Entity,
    pairs: &[(String, String)],
    current: Option<&[Value]>,
) -> Result<Vec<Value>, (Vec<Value>, Vec<FieldError>)> {
    let (mut values, errors) = read_form(entity, pairs, current);
    if errors.is_empty() {
        derive(entity, &mut values);
    }
    let errors = complete(entity, &values, errors);
    if errors.is_empty() {
        Ok(values)
    } else {
        Err((values, errors))
    }
}

/// [`check_form`] for a JSON body.
pub fn check_json(
    entity: &Entity,
    body: &Json,
    current: Option<&[Value]>,
) -> Result<Vec<Value>, Vec<FieldError>> {
    let (mut values, errors) = read_json(entity, body, current);
    if errors.is_empty() {
        derive(entity, &mut values);
    }
    let errors = complete(entity, &values, errors);
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

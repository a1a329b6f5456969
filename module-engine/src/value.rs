//! A field's value: how it is read from a form or from JSON, stored,
//! shown in French and written back to JSON.
//!
//! Storage has two types only, integers and text (the portable subset both
//! databases share): decimals are integers in their smallest unit, booleans
//! 0 and 1, dates `YYYY-MM-DD`, times `HH:MM`, references ids. Reading a
//! value checks its type and its bounds and says, when it fails, what was
//! expected ([`FieldError`]); whole-record checks are in [`crate::validate`].

use serde_json::Value as Json;

use crate::schema::{Field, Kind};
use crate::validate::FieldError;

/// A stored value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

fn err(field: &Field, rule: &'static str, message: String) -> FieldError {
    FieldError {
        field: field.name.to_string(),
        rule,
        message,
    }
}

/// Reads what was typed in a form's input (or a query string) for `field`.
/// An empty input is [`Value::Null`], except a checkbox, which is false.
pub fn parse_input(field: &Field, input: &str) -> Result<Value, FieldError> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(match field.kind {
            Kind::Bool => Value::Int(0),
            _ => Value::Null,
        });
    }
    let v = match &field.kind {
        Kind::Text { max } | Kind::LongText { max } => {
            let n = s.chars().count();
            if n > *max {
                return Err(err(
                    field,
                    "length",
                    format!("au plus {max} caractères ({n} saisis)"),
                ));
            }
            if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
                || (matches!(field.kind, Kind::Text { .. }) && s.contains(['\n', '\r']))
            {
                return Err(err(
                    field,
                    "characters",
                    "caractères de contrôle ou retour à la ligne non admis".into(),
                ));
            }
            Value::Text(s.to_string())
        }
        Kind::Integer { min, max } => {
            let digits: String = s
                .chars()
                .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
                .collect();
            let n: i64 = digits
                .parse()
                .map_err(|_| err(field, "integer", format!("nombre entier attendu, pas « {s} »")))?;
            check_range(field, n, *min, *max, 0)?;
            Value::Int(n)
        }
        Kind::Decimal { scale, min, max } => {
            let n = parse_decimal(s, *scale).ok_or_else(|| {
                err(
                    field,
                    "decimal",
                    format!("nombre attendu, au plus {scale} décimales, pas « {s} »"),
                )
            })?;
            check_range(field, n, *min, *max, *scale)?;
            Value::Int(n)
        }
        Kind::Date => Value::Text(parse_date(s).ok_or_else(|| {
            err(
                field,
                "date",
                format!("date attendue (JJ/MM/AAAA), pas « {s} »"),
            )
        })?),
        Kind::Time => Value::Text(parse_time(s).ok_or_else(|| {
            err(field, "time", format!("heure attendue (HH:MM), pas « {s} »"))
        })?),
        Kind::Bool => match s.to_lowercase().as_str() {
            "on" | "true" | "1" | "oui" | "yes" => Value::Int(1),
            "off" | "false" | "0" | "non" | "no" => Value::Int(0),
            _ => return Err(err(field, "boolean", format!("oui ou non, pas « {s} »"))),
        },
        Kind::Email => {
            if !is_email(s) {
                return Err(err(
                    field,
                    "email",
                    format!("adresse électronique invalide : « {s} »"),
                ));
            }
            Value::Text(s.to_string())
        }
        Kind::Phone => Value::Text(normalize_phone(s).ok_or_else(|| {
            err(
                field,
                "phone",
                format!(
                    "numéro de téléphone attendu (10 chiffres commençant par 0, ou + et l'indicatif), pas « {s} »"
                ),
            )
        })?),
        Kind::Enum(choices) => {
            if !choices.iter().any(|(c, _)| *c == s) {
                let codes: Vec<&str> = choices.iter().map(|(c, _)| *c).collect();
                return Err(err(
                    field,
                    "choice",
                    format!("« {s} » n'est pas un choix possible ({})", codes.join(", ")),
                ));
            }
            Value::Text(s.to_string())
        }
        Kind::Ref(_) => match s.parse::<i64>() {
            Ok(n) if n > 0 => Value::Int(n),
            _ => {
                return Err(err(
                    field,
                    "reference",
                    format!("identifiant attendu, pas « {s} »"),
                ));
            }
        },
        Kind::Bureau | Kind::Election => {
            if s.len() > 64 || !s.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c)) {
                return Err(err(field, "code", format!("code invalide : « {s} »")));
            }
            Value::Text(s.to_string())
        }
    };
    if let (Some(p), Value::Text(t)) = (&field.pattern, &v)
        && !p.regex().is_some_and(|r| r.is_match(t))
    {
        return Err(err(
            field,
            "pattern",
            format!("format attendu : {} (« {t} »)", p.expected),
        ));
    }
    Ok(v)
}

/// Reads a JSON member for `field`: numbers for integers and references,
/// booleans for booleans, strings (as typed in a form) for everything,
/// `null` for nothing.
pub fn parse_json(field: &Field, json: &Json) -> Result<Value, FieldError> {
    match json {
        Json::Null => Ok(Value::Null),
        Json::String(s) => match field.kind {
            Kind::Bool => Err(err(field, "type", "booléen (true ou false) attendu".into())),
            _ => parse_input(field, s),
        },
        Json::Number(n) => match &field.kind {
            Kind::Integer { .. } | Kind::Ref(_) => match n.as_i64() {
                Some(i) => parse_input(field, &i.to_string()),
                None => Err(err(
                    field,
                    "integer",
                    format!("nombre entier attendu, pas {n}"),
                )),
            },
            Kind::Decimal { .. } => match n.as_i64() {
                // Whole units only: a fraction as a JSON number would be a float.
                Some(i) => parse_input(field, &i.to_string()),
                None => Err(err(
                    field,
                    "decimal",
                    "un nombre décimal s'écrit en chaîne, par exemple \"12.50\"".into(),
                )),
            },
            _ => Err(err(field, "type", "chaîne de caractères attendue".into())),
        },
        Json::Bool(b) => match field.kind {
            Kind::Bool => Ok(Value::Int(i64::from(*b))),
            _ => Err(err(field, "type", "booléen inattendu".into())),
        },
        Json::Array(_) | Json::Object(_) => {
            Err(err(field, "type", "valeur simple attendue".into()))
        }
    }
}

fn check_range(
    field: &Field,
    n: i64,
    min: Option<i64>,
    max: Option<i64>,
    scale: u8,
) -> Result<(), FieldError> {
    let show = |v: i64| format_decimal(v, scale);
    match (min, max) {
        (Some(lo), Some(hi)) if n < lo || n > hi => Err(err(
            field,
            "range",
            format!("entre {} et {} ({} saisi)", show(lo), show(hi), show(n)),
        )),
        (Some(lo), None) if n < lo => Err(err(
            field,
            "range",
            format!("au moins {} ({} saisi)", show(lo), show(n)),
        )),
        (None, Some(hi)) if n > hi => Err(err(
            field,
            "range",
            format!("au plus {} ({} saisi)", show(hi), show(n)),
        )),
        _ => Ok(()),
    }
}

/// `12,5` or `12.50` with `scale` 2 → 1250.
pub fn parse_decimal(s: &str, scale: u8) -> Option<i64> {
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, s),
    };
    let (int, frac) = match s.split_once([',', '.']) {
        Some((i, f)) => (i, f),
        None => (s.as_str(), ""),
    };
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > usize::from(scale)
    {
        return None;
    }
    let unit = 10i64.checked_pow(u32::from(scale))?;
    let whole: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..usize::from(scale) {
        f *= 10;
    }
    let v = whole.checked_mul(unit)?.checked_add(f)?;
    Some(if neg { -v } else { v })
}

/// 1250 with scale 2 → `12,50`.
pub fn format_decimal(v: i64, scale: u8) -> String {
    if scale == 0 {
        return v.to_string();
    }
    let unit = 10u64.pow(u32::from(scale));
    let a = v.unsigned_abs();
    let sign = if v < 0 { "-" } else { "" };
    format!(
        "{sign}{},{:0width$}",
        a / unit,
        a % unit,
        width = usize::from(scale)
    )
}

/// `2026-03-15` or `15/03/2026` → `2026-03-15`, if the date exists.
pub fn parse_date(s: &str) -> Option<String> {
    let (y, m, d) = if let Some((d, rest)) = s.split_once('/') {
        let (m, y) = rest.split_once('/')?;
        (y, m, d)
    } else {
        let mut it = s.splitn(3, '-');
        (it.next()?, it.next()?, it.next()?)
    };
    let (y, m, d): (i16, i8, i8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1800..=2999).contains(&y) {
        return None;
    }
    let date = jiff::civil::Date::new(y, m, d).ok()?;
    Some(date.strftime("%Y-%m-%d").to_string())
}

/// `8:00`, `08:00` or `8h` / `8 h 30` → `08:00` / `08:30`.
pub fn parse_time(s: &str) -> Option<String> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (h, m) = s
        .split_once([':', 'h', 'H'])
        .map_or((s.as_str(), ""), |(h, m)| (h, m));
    let h: u8 = h.parse().ok()?;
    let m: u8 = if m.is_empty() { 0 } else { m.parse().ok()? };
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && domain.split('.').all(|p| !p.is_empty())
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"".contains(c))
}

/// A French number grouped by pairs (`06 12 34 56 78`), an international
/// one kept as `+33 612345678`-style digits after the plus; None if neither.
fn normalize_phone(s: &str) -> Option<String> {
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || " .-+()".contains(c))
    {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if s.trim_start().starts_with('+') {
        (8..=15)
            .contains(&digits.len())
            .then(|| format!("+{digits}"))
    } else if digits.len() == 10 && digits.starts_with('0') {
        let pairs: Vec<&str> = (0..5).map(|i| &digits[2 * i..2 * i + 2]).collect();
        Some(pairs.join(" "))
    } else {
        None
    }
}

/// How a value is shown on a French page or in an export (a reference
/// shows its id; the caller shows the referenced record's title instead).
pub fn display(field: &Field, v: &Value) -> String {
    match (v, &field.kind) {
        (Value::Null, Kind::Bool) => "non".into(),
        (Value::Null, _) => String::new(),
        (Value::Int(n), Kind::Bool) => if *n != 0 { "oui" } else { "non" }.into(),
        (Value::Int(n), Kind::Decimal { scale, .. }) => format_decimal(*n, *scale),
        (Value::Int(n), _) => n.to_string(),
        (Value::Text(s), Kind::Date) => match s.split('-').collect::<Vec<_>>()[..] {
            [y, m, d] => format!("{d}/{m}/{y}"),
            _ => s.clone(),
        },
        (Value::Text(s), Kind::Enum(_)) => field.kind.choice_label(s).unwrap_or(s).to_string(),
        (Value::Text(s), _) => s.clone(),
    }
}

/// The value as it goes into a form's input (what [`parse_input`] reads back).
pub fn input_text(field: &Field, v: &Value) -> String {
    match (v, &field.kind) {
        (Value::Null, _) => String::new(),
        (Value::Int(n), Kind::Decimal { scale, .. }) => format_decimal(*n, *scale),
        (Value::Int(n), _) => n.to_string(),
        (Value::Text(s), _) => s.clone(),
    }
}

/// The value in the JSON API (what [`parse_json`] reads back).
pub fn to_json(field: &Field, v: &Value) -> Json {
    match (v, &field.kind) {
        (Value::Null, Kind::Bool) => Json::Bool(false),
        (Value::Null, _) => Json::Null,
        (Value::Int(n), Kind::Bool) => Json::Bool(*n != 0),
        (Value::Int(n), Kind::Decimal { scale, .. }) => {
            Json::String(format_decimal(*n, *scale).replace(',', "."))
        }
        (Value::Int(n), _) => Json::from(*n),
        (Value::Text(s), _) => Json::String(s.clone()),
    }
}

/// Lower case without accents, for the search column and the search box.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let base = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' | 'ý' => 'y',
            'ñ' => 'n',
            'œ' => {
                out.push_str("oe");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            '’' | '\'' | '-' => ' ',
            c => c,
        };
        out.push(base);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_trip_in_french_and_english() {
        assert_eq!(parse_decimal("12,5", 2), Some(1250));
        assert_eq!(parse_decimal("12.50", 2), Some(1250));
        assert_eq!(parse_decimal("-0,05", 2), Some(-5));
        assert_eq!(parse_decimal("1 234,56", 2), Some(123_456));
        assert_eq!(parse_decimal("1,234", 2), None);
        assert_eq!(parse_decimal("abc", 2), None);
        assert_eq!(parse_decimal(",", 2), None);
        assert_eq!(format_decimal(1250, 2), "12,50");
        assert_eq!(format_decimal(-5, 2), "-0,05");
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_date("15/03/2026").as_deref(), Some("2026-03-15"));
        assert_eq!(parse_date("2026-03-15").as_deref(), Some("2026-03-15"));
        assert_eq!(parse_date("30/02/2026"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_time("8h").as_deref(), Some("08:00"));
        assert_eq!(parse_time("13 h 30").as_deref(), Some("13:30"));
        assert_eq!(parse_time("24:00"), None);
    }

    #[test]
    fn phones_and_emails() {
        assert_eq!(
            normalize_phone("06.12.34.56.78").as_deref(),
            Some("06 12 34 56 78")
        );
        assert_eq!(
            normalize_phone("+33 6 12 34 56 78").as_deref(),
            Some("+33612345678")
        );
        assert_eq!(normalize_phone("12345"), None);
        assert!(is_email("secretariat@mairie-exemple.fr"));
        assert!(!is_email("secretariat@mairie"));
        assert!(!is_email("a b@mairie.fr"));
    }

    #[test]
    fn fold_drops_accents_and_case() {
        assert_eq!(fold("Éloïse LŒUVRE-Dupré"), "eloise loeuvre dupre");
    }
}

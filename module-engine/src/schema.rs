//! What a module declares: its entities, their typed fields and
//! constraints, list views, search fields, form sections, states and
//! actions, saved queries and the rights of each role.
//!
//! A declaration is plain data built in Rust (like the classes the
//! openMairie framework generates from its tables), so a module is mostly
//! this file's types filled in; the only code a module writes is its
//! business rules, functions from a record to field errors. Everything
//! else (tables, screens, API, search, exports) is derived by the engine
//! and the server from the declaration. [`Module::check`] catches a
//! declaration that names a field it does not have, before anything uses it.

use std::sync::OnceLock;

use regex::Regex;

use crate::validate::{FieldError, Record};

/// A business rule: looks at a whole record (already typed and checked
/// field by field) and returns the errors it finds, each on a field.
pub type Rule = fn(&Record<'_>) -> Vec<FieldError>;

/// A derived field's computation: its value from the record's other
/// fields (already typed and checked), e.g. a concession's end date from
/// its kind and start date. Run before the required fields and the rules.
pub type Derive = fn(&Record<'_>) -> crate::value::Value;

/// A secondary service: a set of entities switched on per installation.
#[derive(Debug, Clone)]
pub struct Module {
    /// Identifier in URLs and table names (`[a-z][a-z0-9_]*`).
    pub name: &'static str,
    /// Name shown in menus.
    pub label: &'static str,
    pub description: &'static str,
    pub entities: Vec<Entity>,
    /// Named filters with parameters (openMairie's « requêtes mémorisées »).
    pub queries: Vec<SavedQuery>,
    /// Mail-merge letters: one page per record of a list.
    pub letters: Vec<Letter>,
    /// The module's own roles (openCourrier's agent du courrier), granted
    /// to accounts for this module only, on top of their account's role.
    pub roles: Vec<ModuleRole>,
    /// English of the module's texts: (French as declared, English). When
    /// not empty, [`Module::check`] requires every text of the module
    /// ([`Module::texts`]) to be there, so an English screen is never
    /// half French; the screens' own words are in [`crate::i18n`].
    pub en: &'static [(&'static str, &'static str)],
}

/// A role of a module's own, which its rights may name beside the
/// accounts' roles ([`ACCOUNT_ROLES`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRole {
    /// Code named by rights, actions, queries and letters (`[a-z][a-z0-9_]*`).
    pub code: &'static str,
    pub label: &'static str,
}

/// The roles of the server's accounts, which every module may name.
pub const ACCOUNT_ROLES: [&str; 4] = ["admin", "desk", "president", "public"];

/// A mail-merge letter (openMairie's « lettres types »): a heading and a
/// body whose `{field}` placeholders are filled from each record of an
/// entity's list (references by their title), one page per record.
#[derive(Debug, Clone)]
pub struct Letter {
    pub name: &'static str,
    pub label: &'static str,
    pub entity: &'static str,
    pub heading: &'static str,
    /// Paragraphs separated by blank lines; `{field}` placeholders.
    pub body: &'static str,
    /// Printed at the bottom right (« Le maire »).
    pub signature: &'static str,
    pub roles: Vec<&'static str>,
}

impl Letter {
    /// The field names its placeholders use, in order.
    pub fn placeholders(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for text in [self.heading, self.body] {
            let mut rest = text;
            while let Some(start) = rest.find('{') {
                let after = &rest[start + 1..];
                match after.find('}') {
                    Some(end) => {
                        out.push(&after[..end]);
                        rest = &after[end + 1..];
                    }
                    None => break,
                }
            }
        }
        out
    }

    /// The letter for one record: `shown(field)` gives each placeholder's
    /// text (the field's display, a reference's title).
    pub fn fill(&self, shown: impl Fn(&str) -> String) -> (String, Vec<String>) {
        self.fill_in(|t| t, shown)
    }

    /// [`Letter::fill`] in another language: `tr` gives the heading's and
    /// each paragraph's translation (see [`Module::tr`]) before filling.
    pub fn fill_in(
        &self,
        tr: impl Fn(&'static str) -> &'static str,
        shown: impl Fn(&str) -> String,
    ) -> (String, Vec<String>) {
        let fill_one = |text: &str| {
            let mut out = String::with_capacity(text.len());
            let mut rest = text;
            while let Some(start) = rest.find('{') {
                out.push_str(&rest[..start]);
                let after = &rest[start + 1..];
                match after.find('}') {
                    Some(end) => {
                        out.push_str(&shown(&after[..end]));
                        rest = &after[end + 1..];
                    }
                    None => {
                        out.push_str(&rest[start..]);
                        rest = "";
                    }
                }
            }
            out.push_str(rest);
            out
        };
        let body = self
            .body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| fill_one(tr(p)))
            .collect();
        (fill_one(tr(self.heading)), body)
    }
}

/// One kind of record of a module, stored in its own table.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Identifier in URLs and the table name (`[a-z][a-z0-9_]*`).
    pub name: &'static str,
    /// Plural label (list titles, menus).
    pub label: &'static str,
    /// Singular label with its article (« une personne », forms).
    pub singular: &'static str,
    pub fields: Vec<Field>,
    /// Fields whose values, joined by spaces, name a record.
    pub title: Vec<&'static str>,
    pub list: ListView,
    /// Fields the search box and the multi-module search look in.
    pub search: Vec<&'static str>,
    /// Sets of fields no two records may share (when all are filled).
    pub unique: Vec<Unique>,
    pub rules: Vec<(&'static str, Rule)>,
    pub rights: Rights,
    pub states: Option<States>,
    /// Files its records may carry (None: no attachments).
    pub attachments: Option<crate::attachment::Attachments>,
    /// Fields computed from the others on every save (not editable).
    pub derived: Vec<(&'static str, Derive)>,
    /// A registration number per year (and per scope), given by the store
    /// when the record is created.
    pub numbering: Option<Numbering>,
}

/// A registration number « année-rang » (`2009-7`), as a registry gives:
/// the rank counts from 1 each year within the records sharing the
/// `scope` fields (the arriving and the leaving registers apart). The
/// store gives it in the creating transaction (the largest rank of that
/// year and scope, plus one; a unique set on scope, year and rank refuses
/// a race between two instances); the three fields are not editable.
#[derive(Debug, Clone)]
pub struct Numbering {
    /// Integer field: the year.
    pub year: &'static str,
    /// Integer field: the rank within the year and scope.
    pub rank: &'static str,
    /// Text field: `year-rank`, as shown and searched.
    pub number: &'static str,
    /// Date field whose year is the record's (today's when empty).
    pub date: &'static str,
    /// Fields that keep separate counts (the registry).
    pub scope: Vec<&'static str>,
}

impl Numbering {
    /// Whether `field` is one the store fills.
    pub fn fills(&self, field: &str) -> bool {
        field == self.year || field == self.rank || field == self.number
    }
}

/// A typed field: a column, a form input, a JSON member.
#[derive(Debug, Clone)]
pub struct Field {
    /// Identifier in JSON, forms and the column name (`[a-z][a-z0-9_]*`).
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Shown under the input.
    pub help: Option<&'static str>,
    /// The form section it belongs to (fields without one come first).
    pub section: Option<&'static str>,
    pub pattern: Option<Pattern>,
}

/// A regular expression a text must match, and what to say when it does not.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: &'static str,
    /// Says what is expected, e.g. « cinq chiffres ».
    pub expected: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// The compiled expression (None when it does not compile, which
    /// [`Module::check`] reports).
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| Regex::new(&format!("^(?:{})$", self.source)).ok())
            .as_ref()
    }
}

/// The type of a field, with its bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// One line of text of at most `max` characters.
    Text {
        max: usize,
    },
    /// Several lines (a textarea) of at most `max` characters.
    LongText {
        max: usize,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// A fixed-point number with `scale` decimals, stored as an integer
    /// count of hundredths (scale 2) etc., never as a float.
    Decimal {
        scale: u8,
        min: Option<i64>,
        max: Option<i64>,
    },
    /// A calendar date, stored `YYYY-MM-DD` (which sorts).
    Date,
    /// A time of day, stored `HH:MM`.
    Time,
    Bool,
    Email,
    /// A telephone number: French (10 digits from 0) or international (+ and 8–15 digits).
    Phone,
    /// One of fixed choices: (code stored, label shown).
    Enum(&'static [(&'static str, &'static str)]),
    /// A record of another entity of the same module, by id.
    Ref(&'static str),
    /// A bureau of the elections (its code).
    Bureau,
    /// An election of the night (its id).
    Election,
}

impl Kind {
    /// Whether the column holds integers (else text).
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            Kind::Integer { .. } | Kind::Decimal { .. } | Kind::Bool | Kind::Ref(_)
        )
    }

    /// The label of an enum's code.
    pub fn choice_label(&self, code: &str) -> Option<&'static str> {
        match self {
            Kind::Enum(choices) => choices.iter().find(|(c, _)| *c == code).map(|(_, l)| *l),
            _ => None,
        }
    }
}

/// What a list screen shows by default.
#[derive(Debug, Clone)]
pub struct ListView {
    pub columns: Vec<&'static str>,
    pub sort: &'static str,
    pub descending: bool,
    /// Fields offered as filters (equality).
    pub filters: Vec<&'static str>,
    pub per_page: u32,
}

/// Fields that together identify a record.
#[derive(Debug, Clone)]
pub struct Unique {
    pub fields: Vec<&'static str>,
    /// Shown on the first field, e.g. « cette personne est déjà affectée sur ce créneau ».
    pub message: &'static str,
}

/// What each role may do (role codes: `admin`, `desk`, `president`).
#[derive(Debug, Clone, Default)]
pub struct Rights {
    pub read: Vec<&'static str>,
    pub create: Vec<&'static str>,
    pub update: Vec<&'static str>,
    pub delete: Vec<&'static str>,
}

/// One of the things a role may be allowed to do on an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    Read,
    Create,
    Update,
    Delete,
}

impl Right {
    pub fn label_fr(self) -> &'static str {
        match self {
            Right::Read => "consulter",
            Right::Create => "créer",
            Right::Update => "modifier",
            Right::Delete => "supprimer",
        }
    }
}

impl Rights {
    /// Everything for the administrator and the desk; nothing for others.
    pub fn desk() -> Rights {
        let both = vec!["admin", "desk"];
        Rights {
            read: both.clone(),
            create: both.clone(),
            update: both.clone(),
            delete: both,
        }
    }

    /// Whether any of `roles` (an account's role and its module roles) has `right`.
    pub fn allows_any(&self, right: Right, roles: &[&str]) -> bool {
        roles.iter().any(|r| self.allows(right, r))
    }

    pub fn allows(&self, right: Right, role: &str) -> bool {
        let roles = match right {
            Right::Read => &self.read,
            Right::Create => &self.create,
            Right::Update => &self.update,
            Right::Delete => &self.delete,
        };
        roles.contains(&role)
    }
}

/// A record's life cycle: an enum field moved by named actions.
#[derive(Debug, Clone)]
pub struct States {
    /// The enum field holding the state (its first choice is a new record's).
    pub field: &'static str,
    pub actions: Vec<Action>,
}

/// A named transition between states.
#[derive(Debug, Clone)]
pub struct Action {
    pub name: &'static str,
    pub label: &'static str,
    pub from: Vec<&'static str>,
    pub to: &'static str,
    pub roles: Vec<&'static str>,
    /// A date field set to the day the action is taken (« date de
    /// réponse »), if any.
    pub stamp: Option<&'static str>,
}

/// A stored query: a named filter over one entity, with parameters the
/// user fills in, runnable by its roles and exportable.
#[derive(Debug, Clone)]
pub struct SavedQuery {
    pub name: &'static str,
    pub label: &'static str,
    pub entity: &'static str,
    /// Fixed conditions: (field, value as typed in a form).
    pub fixed: Vec<(&'static str, &'static str)>,
    /// Fields the user gives a value for when running it.
    pub params: Vec<&'static str>,
    pub roles: Vec<&'static str>,
}

impl Field {
    fn new(name: &'static str, label: &'static str, kind: Kind) -> Field {
        Field {
            name,
            label,
            kind,
            required: false,
            help: None,
            section: None,
            pattern: None,
        }
    }

    pub fn text(name: &'static str, label: &'static str, max: usize) -> Field {
        Field::new(name, label, Kind::Text { max })
    }
    pub fn long_text(name: &'static str, label: &'static str, max: usize) -> Field {
        Field::new(name, label, Kind::LongText { max })
    }
    pub fn integer(name: &'static str, label: &'static str) -> Field {
        Field::new(
            name,
            label,
            Kind::Integer {
                min: None,
                max: None,
            },
        )
    }
    pub fn decimal(name: &'static str, label: &'static str, scale: u8) -> Field {
        Field::new(
            name,
            label,
            Kind::Decimal {
                scale,
                min: None,
                max: None,
            },
        )
    }
    pub fn date(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Date)
    }
    pub fn time(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Time)
    }
    pub fn boolean(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Bool)
    }
    pub fn email(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Email)
    }
    pub fn phone(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Phone)
    }
    pub fn choice(
        name: &'static str,
        label: &'static str,
        choices: &'static [(&'static str, &'static str)],
    ) -> Field {
        Field::new(name, label, Kind::Enum(choices))
    }
    pub fn reference(name: &'static str, label: &'static str, entity: &'static str) -> Field {
        Field::new(name, label, Kind::Ref(entity))
    }
    pub fn bureau(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Bureau)
    }
    pub fn election(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Election)
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub fn help(mut self, help: &'static str) -> Field {
        self.help = Some(help);
        self
    }
    pub fn section(mut self, section: &'static str) -> Field {
        self.section = Some(section);
        self
    }
    /// Bounds of an integer or a decimal (for a decimal, in its smallest unit).
    pub fn range(mut self, lo: Option<i64>, hi: Option<i64>) -> Field {
        match &mut self.kind {
            Kind::Integer { min, max } | Kind::Decimal { min, max, .. } => {
                *min = lo;
                *max = hi;
            }
            _ => {}
        }
        self
    }
    pub fn pattern(mut self, source: &'static str, expected: &'static str) -> Field {
        self.pattern = Some(Pattern {
            source,
            expected,
            compiled: OnceLock::new(),
        });
        self
    }
}

impl Entity {
    /// An entity with the desk's rights, listed by its first field.
    pub fn new(name: &'static str, label: &'static str, singular: &'static str) -> Entity {
        Entity {
            name,
            label,
            singular,
            fields: Vec::new(),
            title: Vec::new(),
            list: ListView {
                columns: Vec::new(),
                sort: "",
                descending: false,
                filters: Vec::new(),
                per_page: 50,
            },
            search: Vec::new(),
            unique: Vec::new(),
            rules: Vec::new(),
            rights: Rights::desk(),
            states: None,
            attachments: None,
            derived: Vec::new(),
            numbering: None,
        }
    }

    /// Computes `field` from the other fields on every save.
    pub fn derive(mut self, field: &'static str, compute: Derive) -> Entity {
        self.derived.push((field, compute));
        self
    }

    /// Numbers its records per year (and scope) when they are created.
    pub fn numbering(mut self, n: Numbering) -> Entity {
        self.numbering = Some(n);
        self
    }

    /// Whether `field` is computed (derived or numbered), never typed.
    pub fn is_computed(&self, field: &str) -> bool {
        self.derived.iter().any(|(f, _)| *f == field)
            || self.numbering.as_ref().is_some_and(|n| n.fills(field))
    }

    /// Lets its records carry files (checked by content, downloaded by
    /// the roles named).
    pub fn attachments(mut self, a: crate::attachment::Attachments) -> Entity {
        self.attachments = Some(a);
        self
    }

    pub fn field(mut self, f: Field) -> Entity {
        self.fields.push(f);
        self
    }
    pub fn title(mut self, fields: &[&'static str]) -> Entity {
        self.title = fields.to_vec();
        self
    }
    pub fn columns(mut self, fields: &[&'static str]) -> Entity {
        self.list.columns = fields.to_vec();
        self
    }
    pub fn sort(mut self, field: &'static str, descending: bool) -> Entity {
        self.list.sort = field;
        self.list.descending = descending;
        self
    }
    pub fn filters(mut self, fields: &[&'static str]) -> Entity {
        self.list.filters = fields.to_vec();
        self
    }
    pub fn search(mut self, fields: &[&'static str]) -> Entity {
        self.search = fields.to_vec();
        self
    }
    pub fn unique(mut self, fields: &[&'static str], message: &'static str) -> Entity {
        self.unique.push(Unique {
            fields: fields.to_vec(),
            message,
        });
        self
    }
    pub fn rule(mut self, name: &'static str, rule: Rule) -> Entity {
        self.rules.push((name, rule));
        self
    }
    pub fn rights(mut self, rights: Rights) -> Entity {
        self.rights = rights;
        self
    }
    pub fn states(mut self, states: States) -> Entity {
        self.states = Some(states);
        self
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    pub fn field_named(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The fields in form order: those without a section, then each
    /// section in the order it first appears.
    pub fn sections(&self) -> Vec<(Option<&'static str>, Vec<&Field>)> {
        let mut out: Vec<(Option<&'static str>, Vec<&Field>)> = Vec::new();
        for f in &self.fields {
            match out.iter_mut().find(|(s, _)| *s == f.section) {
                Some((_, v)) => v.push(f),
                None => out.push((f.section, vec![f])),
            }
        }
        out.sort_by_key(|(s, _)| s.is_some());
        out
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 40
}

impl Module {
    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }

    pub fn query(&self, name: &str) -> Option<&SavedQuery> {
        self.queries.iter().find(|q| q.name == name)
    }

    pub fn letter(&self, name: &str) -> Option<&Letter> {
        self.letters.iter().find(|l| l.name == name)
    }

    /// Everything wrong with the declaration (empty when it is sound):
    /// identifiers, names of fields used by views, searches, constraints
    /// and states, targets of references, patterns that do not compile.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut say = |s: String| problems.push(s);
        if !is_identifier(self.name) {
            say(format!("module name {:?} is not an identifier", self.name));
        }
        for (i, e) in self.entities.iter().enumerate() {
            let at = format!("{}.{}", self.name, e.name);
            if !is_identifier(e.name) {
                say(format!("{at}: entity name is not an identifier"));
            }
            if self.entities[..i].iter().any(|o| o.name == e.name) {
                say(format!("{at}: declared twice"));
            }
            if e.fields.is_empty() {
                say(format!("{at}: no fields"));
            }
            for (j, f) in e.fields.iter().enumerate() {
                if !is_identifier(f.name) || matches!(f.name, "id" | "version") {
                    say(format!("{at}.{}: field name is not an identifier", f.name));
                }
                if e.fields[..j].iter().any(|o| o.name == f.name) {
                    say(format!("{at}.{}: declared twice", f.name));
                }
                if let Kind::Ref(target) = f.kind
                    && self.entity(target).is_none()
                {
                    say(format!(
                        "{at}.{}: refers to unknown entity {target}",
                        f.name
                    ));
                }
                if let Kind::Enum(choices) = f.kind
                    && choices.is_empty()
                {
                    say(format!("{at}.{}: an enum without choices", f.name));
                }
                if let Some(p) = &f.pattern
                    && p.regex().is_none()
                {
                    say(format!("{at}.{}: pattern does not compile", f.name));
                }
            }
            let named = |list: &[&'static str], what: &str, say: &mut dyn FnMut(String)| {
                for n in list {
                    if e.field_index(n).is_none() {
                        say(format!("{at}: {what} names unknown field {n}"));
                    }
                }
            };
            named(&e.title, "title", &mut say);
            named(&e.list.columns, "list", &mut say);
            named(&e.list.filters, "filters", &mut say);
            named(&e.search, "search", &mut say);
            if e.title.is_empty() {
                say(format!("{at}: no title fields"));
            }
            if !e.list.sort.is_empty() && e.field_index(e.list.sort).is_none() {
                say(format!("{at}: sort names unknown field {}", e.list.sort));
            }
            for u in &e.unique {
                named(&u.fields, "unique", &mut say);
            }
            for (name, _) in &e.derived {
                match e.field_named(name) {
                    None => say(format!("{at}: derived names unknown field {name}")),
                    Some(f) if f.required => say(format!(
                        "{at}.{name}: a derived field is not typed: not required"
                    )),
                    Some(_) => {}
                }
            }
            if let Some(n) = &e.numbering {
                let kind = |name: &str| e.field_named(name).map(|f| (&f.kind, f.required));
                for (name, ok) in [
                    (
                        n.year,
                        matches!(kind(n.year), Some((Kind::Integer { .. }, false))),
                    ),
                    (
                        n.rank,
                        matches!(kind(n.rank), Some((Kind::Integer { .. }, false))),
                    ),
                    (
                        n.number,
                        matches!(kind(n.number), Some((Kind::Text { .. }, false))),
                    ),
                    (n.date, matches!(kind(n.date), Some((Kind::Date, _)))),
                ] {
                    if !ok {
                        say(format!(
                            "{at}: numbering field {name} is missing, of the wrong kind, or required"
                        ));
                    }
                }
                named(&n.scope, "numbering scope", &mut say);
            }
            if let Some(s) = &e.states {
                for a in &s.actions {
                    if let Some(stamp) = a.stamp
                        && !matches!(e.field_named(stamp).map(|f| &f.kind), Some(Kind::Date))
                    {
                        say(format!(
                            "{at}: action {} stamps {stamp}, not a date field",
                            a.name
                        ));
                    }
                }
                match e.field_named(s.field).map(|f| &f.kind) {
                    Some(Kind::Enum(choices)) => {
                        for a in &s.actions {
                            for st in a.from.iter().chain([&a.to]) {
                                if !choices.iter().any(|(c, _)| c == st) {
                                    say(format!(
                                        "{at}: action {} names unknown state {st}",
                                        a.name
                                    ));
                                }
                            }
                        }
                    }
                    _ => say(format!("{at}: state field {} is not an enum", s.field)),
                }
            }
        }
        for (i, r) in self.roles.iter().enumerate() {
            if !is_identifier(r.code) || ACCOUNT_ROLES.contains(&r.code) {
                say(format!(
                    "role {:?}: not an identifier, or an account's role",
                    r.code
                ));
            }
            if self.roles[..i].iter().any(|o| o.code == r.code) {
                say(format!("role {}: declared twice", r.code));
            }
        }
        let known_role =
            |r: &&str| ACCOUNT_ROLES.contains(r) || self.roles.iter().any(|m| m.code == *r);
        let mut named_roles: Vec<(String, &str)> = Vec::new();
        for e in &self.entities {
            let at = format!("{}.{}", self.name, e.name);
            for r in e
                .rights
                .read
                .iter()
                .chain(&e.rights.create)
                .chain(&e.rights.update)
                .chain(&e.rights.delete)
            {
                named_roles.push((format!("{at}: rights"), r));
            }
            for a in e.states.iter().flat_map(|s| &s.actions) {
                for r in &a.roles {
                    named_roles.push((format!("{at}: action {}", a.name), r));
                }
            }
            for r in e.attachments.iter().flat_map(|a| &a.download) {
                named_roles.push((format!("{at}: attachments"), r));
            }
        }
        for q in &self.queries {
            for r in &q.roles {
                named_roles.push((format!("query {}", q.name), r));
            }
        }
        for l in &self.letters {
            for r in &l.roles {
                named_roles.push((format!("letter {}", l.name), r));
            }
        }
        for (at, r) in named_roles {
            if !known_role(&r) {
                say(format!("{at} names unknown role {r}"));
            }
        }
        for q in &self.queries {
            match self.entity(q.entity) {
                None => say(format!("query {}: unknown entity {}", q.name, q.entity)),
                Some(e) => {
                    for n in q.fixed.iter().map(|(n, _)| n).chain(&q.params) {
                        if e.field_index(n).is_none() {
                            say(format!("query {}: unknown field {n}", q.name));
                        }
                    }
                }
            }
        }
        for l in &self.letters {
            match self.entity(l.entity) {
                None => say(format!("letter {}: unknown entity {}", l.name, l.entity)),
                Some(e) => {
                    for n in l.placeholders() {
                        if e.field_index(n).is_none() {
                            say(format!(
                                "letter {}: placeholder {{{n}}} names no field",
                                l.name
                            ));
                        }
                    }
                }
            }
        }
        if !self.en.is_empty() {
            for text in self.texts() {
                if !self.en.iter().any(|(fr, _)| *fr == text) {
                    say(format!("no English for {text:?}"));
                }
            }
        }
        problems
    }

    /// Every text the module shows (labels, helps, sections, choices,
    /// actions, queries, letters, roles), each once, in declaration order:
    /// what its English must cover.
    pub fn texts(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = vec![self.label, self.description];
        for r in &self.roles {
            out.push(r.label);
        }
        for e in &self.entities {
            out.extend([e.label, e.singular]);
            for f in &e.fields {
                out.push(f.label);
                out.extend(f.help);
                out.extend(f.section);
                if let Some(p) = &f.pattern {
                    out.push(p.expected);
                }
                if let Kind::Enum(choices) = f.kind {
                    out.extend(choices.iter().map(|(_, l)| *l));
                }
            }
            out.extend(e.unique.iter().map(|u| u.message));
            for a in e.states.iter().flat_map(|s| &s.actions) {
                out.push(a.label);
            }
        }
        for q in &self.queries {
            out.push(q.label);
        }
        for l in &self.letters {
            out.extend([l.label, l.heading, l.signature]);
            out.extend(
                l.body
                    .split("\n\n")
                    .map(str::trim)
                    .filter(|p| !p.is_empty()),
            );
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|t| !t.is_empty() && seen.insert(*t));
        out
    }

    /// `text` (one of [`Module::texts`]) in `lang`: its English when the
    /// module has one, else as declared.
    pub fn tr(&self, lang: crate::i18n::Lang, text: &'static str) -> &'static str {
        match lang {
            crate::i18n::Lang::Fr => text,
            crate::i18n::Lang::En => self
                .en
                .iter()
                .find(|(fr, _)| *fr == text)
                .map_or(text, |(_, en)| *en),
        }
    }
}

//! The language of the modules' screens and documents: French unless the
//! user asked for English, with `?lang=en` on any module screen (kept in
//! a cookie, `urne_lang`, for the next ones) — the language switch every
//! module screen shows. The middleware [`with_lang`] runs the request in
//! the scope of a task-local [`Lang`] ([`current`]), so that the shared
//! screens' helpers (the frame, the breadcrumb, a cell) need no extra
//! parameter; the screens say their words through a [`Tr`]: the module's
//! own texts in its English ([`module_engine::Module::tr`]), the shared
//! screens' words from the engine's table ([`module_engine::i18n::word`]).

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use module_engine::{Field, Kind, Lang, Module, Value};

const COOKIE: &str = "urne_lang";

/// The language asked by the query (`lang=`), else by the cookie.
fn asked(req: &Request) -> (Lang, bool) {
    let from_query = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .map(|v| Lang::parse(Some(v)))
    });
    if let Some(l) = from_query {
        return (l, true);
    }
    let cookie = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("urne_lang="))
        .map(|v| Lang::parse(Some(v)));
    (cookie.unwrap_or_default(), false)
}

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being served (French outside a module screen).
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// Serves the request in its [`Lang`]; remembers a `?lang=` asked.
pub async fn with_lang(mut req: Request, next: Next) -> Response {
    let (lang, from_query) = asked(&req);
    req.extensions_mut().insert(lang);
    let mut resp = LANG.scope(lang, next.run(req)).await;
    if from_query
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{COOKIE}={}; Path=/desk; SameSite=Lax; Max-Age=31536000",
            lang.code()
        ))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A screen's translator: a module's texts and the shared words.
#[derive(Debug, Clone, Copy)]
pub struct Tr<'a> {
    pub m: &'a Module,
    pub lang: Lang,
}

impl<'a> Tr<'a> {
    pub fn new(m: &'a Module, lang: Lang) -> Tr<'a> {
        Tr { m, lang }
    }

    /// For module `m`, in the request's language.
    pub fn here(m: &'a Module) -> Tr<'a> {
        Tr::new(m, current())
    }

    /// One of the module's texts (a label, a help, a choice…).
    pub fn t(&self, text: &'static str) -> &'static str {
        self.m.tr(self.lang, text)
    }

    /// A word of the shared screens.
    pub fn w(&self, word: &'static str) -> &'static str {
        module_engine::i18n::word(self.lang, word)
    }

    /// French or English, for a sentence with numbers in it.
    pub fn pick<'s>(&self, fr: &'s str, en: &'s str) -> &'s str {
        match self.lang {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// A value as shown: a choice by its label in the language, a
    /// boolean as yes or no, a date in the language's order.
    pub fn shown(&self, f: &Field, v: &Value) -> String {
        match (&f.kind, v) {
            (Kind::Enum(choices), Value::Text(code)) => choices
                .iter()
                .find(|(c, _)| c == code)
                .map_or_else(|| code.clone(), |(_, l)| self.t(l).to_string()),
            (Kind::Bool, Value::Int(n)) => self.w(if *n != 0 { "oui" } else { "non" }).to_string(),
            (Kind::Date, Value::Text(iso)) if self.lang == Lang::En => iso.clone(),
            _ => module_engine::value::display(f, v),
        }
    }

    /// The switch to the other language: (its name, this path with `lang=`).
    pub fn switch(&self, path: &str) -> (&'static str, String) {
        let other = self.lang.other();
        let sep = if path.contains('?') { '&' } else { '?' };
        (other.name(), format!("{path}{sep}lang={}", other.code()))
    }
}

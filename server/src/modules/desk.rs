//! The desk's screens every module entity gets, in maud, without
//! JavaScript: the module's home, the list (search, filters, sort by
//! column, pages, exports), a record, the create and edit form (every error
//! next to its field, CSRF, the version read kept hidden), the confirmation
//! before deleting, the state actions, saved queries, and the search across
//! every module. Every check is [`super::open`]'s, so a screen refuses what
//! the API refuses.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form};
use maud::{Markup, html};
use module_engine::sql::ListQuery;
use module_engine::validate::{check_form, is_editable};
use module_engine::value::input_text;
use module_engine::{Entity, Field, FieldError, Kind, Module, Right, Value};

use super::api::{export_table, query_pairs, ref_titles, run_action, spreadsheet, title};
use super::{Target, enabled_module, fetch, known, open, parse_id, readable};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::lang::Tr;
use crate::state::AppState;
use crate::store::records::{self, StoredRecord};
use crate::ui::{csrf_of, error_page, layout};

/// The screens, under `/desk/m/`; the caller's guard requires a signed-in
/// principal (as an `Extension`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk/modules", get(modules_home))
        .route("/desk/search", get(super::search::screen))
        .route("/desk/m/{module}", get(module_home))
        .route("/desk/m/{module}/q/{query}", get(saved_query))
        .route("/desk/m/{module}/lettre/{letter}", get(letter))
        .route("/desk/m/{module}/{entity}", get(list))
        .route("/desk/m/{module}/{entity}/export.{format}", get(export))
        .route("/desk/m/{module}/{entity}/new", get(new_form).post(create))
        .route(
            "/desk/m/{module}/{entity}/import",
            get(import_form)
                .post(import_submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    super::api::IMPORT_LIMIT,
                )),
        )
        .route("/desk/m/{module}/{entity}/{id}", get(detail))
        .route(
            "/desk/m/{module}/{entity}/{id}/edit",
            get(edit_form).post(update),
        )
        .route(
            "/desk/m/{module}/{entity}/{id}/delete",
            get(delete_confirm).post(delete),
        )
        .route(
            "/desk/m/{module}/{entity}/{id}/action/{action}",
            axum::routing::post(action),
        )
        .route(
            "/desk/m/{module}/{entity}/{id}/files",
            axum::routing::post(file_add).layer(axum::extract::DefaultBodyLimit::max(
                super::files::BODY_LIMIT,
            )),
        )
        .route(
            "/desk/m/{module}/{entity}/{id}/files/{file_id}",
            get(file_get),
        )
        .route(
            "/desk/m/{module}/{entity}/{id}/files/{file_id}/delete",
            axum::routing::post(file_delete),
        )
}

fn base(t: Target<'_>) -> String {
    format!("/desk/m/{}/{}", t.module.name, t.entity.name)
}

fn fail(p: &Principal, e: ApiError) -> Response {
    error_page(p, &e)
}

/// The pairs of a submitted form, with its CSRF token checked.
fn checked_form(p: &Principal, pairs: &[(String, String)]) -> Result<(), ApiError> {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    p.check_csrf(csrf)
}

fn breadcrumb(m: &Module, e: Option<&Entity>) -> Markup {
    let tr = Tr::here(m);
    let (other, _) = tr.switch("");
    html! {
        nav aria-label=(tr.pick("Fil d'Ariane", "Breadcrumb")) {
            a href="/desk" { (tr.w("Tableau de bord")) } " › "
            a href="/desk/modules" { (tr.w("Modules")) } " › "
            a href={ "/desk/m/" (m.name) } { (tr.t(m.label)) }
            @if let Some(e) = e { " › " a href={ "/desk/m/" (m.name) "/" (e.name) } { (tr.t(e.label)) } }
            @if !m.en.is_empty() {
                " · " a.lang-switch href={ "?lang=" (tr.lang.other().code()) } lang=(tr.lang.other().code()) { (other) }
            }
        }
    }
}

async fn modules_home(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Response {
    let mods = match readable(&state, &p).await {
        Ok(m) => m,
        Err(e) => return fail(&p, e),
    };
    layout(
        "Modules",
        &p,
        html! {
            h1 { "Modules" }
            form.msearch method="get" action="/desk/search" role="search" {
                label for="q" { "Rechercher dans tous les modules" }
                input #q type="search" name="q" required;
                button type="submit" { "Rechercher" }
            }
            @if mods.is_empty() {
                p { "Aucun module n'est activé, ou votre rôle n'en consulte aucun. Un administrateur les active avec "
                    code { "urne module enable NOM" } " (" code { "urne module list" } " les énumère)." }
            }
            ul.modules {
                @for m in &mods {
                    li { a href={ "/desk/m/" (m.name) } { strong { (m.label) } } " — " (m.description) }
                }
            }
        },
    )
    .into_response()
}

async fn module_home(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(module): Path<String>,
) -> Response {
    let m = match enabled_module(&state, &module).await {
        Ok(m) => m,
        Err(e) => return fail(&p, e),
    };
    let roles = p.roles_in(m.name);
    let tr = Tr::here(m);
    let entities: Vec<&Entity> = m
        .entities
        .iter()
        .filter(|e| e.rights.allows_any(Right::Read, &roles))
        .collect();
    if entities.is_empty() {
        return fail(
            &p,
            ApiError::Forbidden(format!("votre rôle ne consulte rien du module {}", m.label)),
        );
    }
    let queries: Vec<_> = m
        .queries
        .iter()
        .filter(|q| roles.iter().any(|r| q.roles.contains(r)))
        .collect();
    let board = super::boards::links(m);
    layout(
        tr.t(m.label),
        &p,
        html! {
            (breadcrumb(m, None))
            h1 { (tr.t(m.label)) }
            p { (tr.t(m.description)) }
            @if !board.is_empty() {
                h2 { (tr.w("Tableaux")) }
                ul { @for (href, label) in &board { li { a href=(href) { (label) } } } }
            }
            h2 { (tr.w("Fiches")) }
            ul {
                @for e in &entities {
                    li { a href={ "/desk/m/" (m.name) "/" (e.name) } { (tr.t(e.label)) } }
                }
            }
            @if !queries.is_empty() {
                h2 { (tr.w("Requêtes mémorisées")) }
                ul { @for q in &queries { li { a href={ "/desk/m/" (m.name) "/q/" (q.name) } { (tr.t(q.label)) } } } }
            }
            @let letters: Vec<_> = m.letters.iter().filter(|l| roles.iter().any(|r| l.roles.contains(r))).collect();
            @if !letters.is_empty() {
                h2 { (tr.w("Lettres types")) }
                ul { @for l in &letters { li { a href={ "/desk/m/" (m.name) "/lettre/" (l.name) } { (tr.t(l.label)) } (tr.w(" (PDF, une page par fiche ; les filtres de la liste s'appliquent)")) } } }
            }
        },
    )
    .into_response()
}

/// Cells of a list: each value shown, references by their title.
fn cell(m: &Module, e: &Entity, i: usize, v: &Value, titles: &[(usize, i64, String)]) -> String {
    if let Some(id) = v.as_int()
        && matches!(e.fields[i].kind, Kind::Ref(_))
    {
        return titles
            .iter()
            .find(|(fi, rid, _)| *fi == i && *rid == id)
            .map_or_else(|| format!("n° {id}"), |(_, _, s)| s.clone());
    }
    Tr::here(m).shown(&e.fields[i], v)
}

fn query_string(pairs: &[(String, String)], set: &[(&str, String)]) -> String {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .cloned()
        .collect();
    out.extend(set.iter().map(|(k, v)| (k.to_string(), v.clone())));
    out.retain(|(_, v)| !v.is_empty());
    serde_urlencoded::to_string(&out).unwrap_or_default()
}

/// The list screen of `t` for `q` (also a saved query's result).
async fn list_screen(
    state: &AppState,
    p: &Principal,
    t: Target<'_>,
    pairs: &[(String, String)],
    heading: &str,
    action: &str,
    hidden_filters: bool,
) -> Result<Markup, ApiError> {
    let q = ListQuery::from_pairs(t.entity, pairs).map_err(ApiError::Fields)?;
    let mut conn = state.store.acquire().await?;
    let (rows, total) = records::list(&mut conn, t.module, t.entity, &q).await?;
    drop(conn);
    let e = t.entity;
    let tr = Tr::here(t.module);
    let views: Vec<&[Value]> = rows.iter().map(|r| r.values.as_slice()).collect();
    let titles = ref_titles(state, t.module, e, &views).await?;
    let columns: Vec<usize> = e
        .list
        .columns
        .iter()
        .filter_map(|c| e.field_index(c))
        .collect();
    let pages = ((total.max(1) - 1) / i64::from(q.per_page)) + 1;
    let sort = if q.sort.is_empty() {
        e.list.sort
    } else {
        q.sort.as_str()
    };
    let can_create = e
        .rights
        .allows_any(Right::Create, &p.roles_in(t.module.name));
    let search = q.search.join(" ");
    let pickers = Pickers::load(state, t).await?;
    Ok(html! {
        (breadcrumb(t.module, Some(e)))
        h1 { (heading) }
        form.filters method="get" action=(action) role="search" {
            div.ff {
                label for="q" { (tr.w("Rechercher")) }
                input #q type="search" name="q" value=(search);
            }
            @if !hidden_filters {
                @for name in &e.list.filters {
                    @if let Some(f) = e.field_named(name) {
                        @let chosen = pairs.iter().rev().find(|(k, _)| k == f.name).map_or("", |(_, v)| v.as_str());
                        div.ff {
                            label for={ "filter-" (f.name) } { (tr.t(f.label)) }
                            (pickers.select(f, &format!("filter-{}", f.name), chosen, false))
                        }
                    }
                }
            } @else {
                @for (k, v) in pairs.iter().filter(|(k, _)| k != "q" && k != "page" && k != "sort") {
                    input type="hidden" name=(k) value=(v);
                }
            }
            button type="submit" { (tr.w("Filtrer")) }
        }
        p.count role="status" {
            (total) " " (if total != 1 { tr.w("fiches") } else { tr.w("fiche") })
            @if pages > 1 { " — " (tr.w("page")) " " (q.page) " " (tr.w("sur")) " " (pages) }
            " · " (tr.w("exporter :")) " "
            a href={ (base(t)) "/export.csv?" (query_string(pairs, &[("page", String::new())])) } { "CSV" } " · "
            a href={ (base(t)) "/export.xlsx?" (query_string(pairs, &[("page", String::new())])) } { (tr.w("tableur (.xlsx)")) } " · "
            a href={ (base(t)) "/export.pdf?" (query_string(pairs, &[("page", String::new())])) } { "PDF" }
            @for l in t.module.letters.iter().filter(|l| l.entity == e.name && p.roles_in(t.module.name).iter().any(|r| l.roles.contains(r))) {
                " · "
                a href={ "/desk/m/" (t.module.name) "/lettre/" (l.name) "?" (query_string(pairs, &[("page", String::new())])) } { (tr.w("lettres :")) " " (tr.t(l.label)) }
            }
        }
        @if can_create {
            p {
                a.button href={ (base(t)) "/new" } { (tr.w("Ajouter")) " " (tr.t(e.singular)) } " "
                a href={ (base(t)) "/import" } { (tr.w("Importer un fichier (CSV, tableur)")) }
            }
        }
        div.scroll {
            table.mlist {
                caption.visually-hidden { (tr.t(e.label)) }
                thead { tr {
                    th scope="col" { "n°" }
                    @for &i in &columns {
                        @let f = &e.fields[i];
                        @let (next, mark) = if sort == f.name {
                            if q.descending { (f.name.to_string(), " ▼") } else { (format!("-{}", f.name), " ▲") }
                        } else { (f.name.to_string(), "") };
                        th scope="col" aria-sort=(if sort == f.name { if q.descending { "descending" } else { "ascending" } } else { "none" }) {
                            a href={ (action) "?" (query_string(pairs, &[("sort", next), ("page", String::new())])) } { (tr.t(f.label)) (mark) }
                        }
                    }
                } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { a href={ (base(t)) "/" (r.id) } { (r.id) } }
                            @for &i in &columns {
                                td { @if i == columns[0] { a href={ (base(t)) "/" (r.id) } { (cell(t.module, e, i, &r.values[i], &titles)) } } @else { (cell(t.module, e, i, &r.values[i], &titles)) } }
                            }
                        }
                    }
                }
            }
        }
        @if pages > 1 {
            nav.pages aria-label="Pages" {
                @if q.page > 1 { a rel="prev" href={ (action) "?" (query_string(pairs, &[("page", (q.page - 1).to_string())])) } { "← " (tr.w("précédente")) } }
                " page " (q.page) " / " (pages) " "
                @if i64::from(q.page) < pages { a rel="next" href={ (action) "?" (query_string(pairs, &[("page", (q.page + 1).to_string())])) } { (tr.w("suivante")) " →" } }
            }
        }
    })
}

async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Read).await?;
        let pairs = query_pairs(raw.as_deref())?;
        let heading = Tr::here(t.module).t(t.entity.label);
        let body = list_screen(&state, &p, t, &pairs, heading, &base(t), false).await?;
        Ok::<_, ApiError>(layout(heading, &p, body).into_response())
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

async fn saved_query(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, query)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = async {
        let m = enabled_module(&state, &module).await?;
        let sq = m
            .query(&query)
            .ok_or_else(|| ApiError::not_found(format!("requête inconnue : {query}")))?;
        if !p.roles_in(m.name).iter().any(|r| sq.roles.contains(r)) {
            return Err(ApiError::Forbidden(format!(
                "votre rôle ne peut pas lancer : {}",
                sq.label
            )));
        }
        let t = open(&state, &p, &module, sq.entity, Right::Read).await?;
        let given = query_pairs(raw.as_deref())?;
        let missing: Vec<&Field> = sq
            .params
            .iter()
            .filter_map(|n| t.entity.field_named(n))
            .filter(|f| {
                !given
                    .iter()
                    .any(|(k, v)| k == f.name && !v.trim().is_empty())
            })
            .collect();
        let action = format!("/desk/m/{}/q/{}", m.name, sq.name);
        if !missing.is_empty() {
            let pickers = Pickers::load(&state, t).await?;
            return Ok(layout(
                sq.label,
                &p,
                html! {
                    (breadcrumb(m, None))
                    h1 { (sq.label) }
                    form.card method="get" action=(action) {
                        @for f in &missing {
                            div.mfield {
                                label for={ "p-" (f.name) } { (f.label) }
                                (pickers.select(f, &format!("p-{}", f.name), "", true))
                            }
                        }
                        button type="submit" { "Lancer la requête" }
                    }
                },
            )
            .into_response());
        }
        // The saved conditions may name fields that are not list filters:
        // they are the query's own, so they are applied as filters here.
        let mut e = t.entity.clone();
        let mut pairs: Vec<(String, String)> = sq
            .fixed
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for n in sq.fixed.iter().map(|(n, _)| n).chain(&sq.params) {
            if !e.list.filters.contains(n) {
                e.list.filters.push(n);
            }
        }
        pairs.extend(
            given
                .into_iter()
                .filter(|(k, _)| !sq.fixed.iter().any(|(n, _)| n == k)),
        );
        let t2 = Target {
            module: t.module,
            entity: &e,
        };
        let heading = Tr::here(m).t(sq.label);
        let body = list_screen(&state, &p, t2, &pairs, heading, &action, true).await;
        Ok(layout(heading, &p, body?).into_response())
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

/// The choices of the inputs that pick something: records of a referenced
/// entity (by title), bureaux and elections of the night.
struct Pickers {
    /// Per field name: (value, label).
    choices: Vec<(&'static str, Vec<(String, String)>)>,
}

/// Beyond this many records, a reference is typed as a number.
const MAX_PICKER: usize = 1000;

impl Pickers {
    async fn load(state: &AppState, t: Target<'_>) -> Result<Pickers, ApiError> {
        let mut choices = Vec::new();
        let mut conn = state.store.acquire().await?;
        let topics = state.hub.list();
        for f in &t.entity.fields {
            let list: Vec<(String, String)> = match f.kind {
                Kind::Ref(target) => {
                    let Some(te) = t.module.entity(target) else {
                        continue;
                    };
                    let q = ListQuery {
                        per_page: u32::try_from(MAX_PICKER + 1).unwrap_or(u32::MAX),
                        ..ListQuery::from_pairs(te, &[]).map_err(ApiError::Fields)?
                    };
                    let (rows, _) = records::list(&mut conn, t.module, te, &q).await?;
                    if rows.len() > MAX_PICKER {
                        continue;
                    }
                    rows.iter()
                        .map(|r| (r.id.to_string(), title(te, &r.values)))
                        .collect()
                }
                Kind::Bureau => {
                    let mut seen: Vec<(String, String)> = Vec::new();
                    for tp in &topics {
                        let live = tp.read();
                        for b in &live.election.bureaux {
                            if !seen.iter().any(|(c, _)| *c == b.code) {
                                seen.push((b.code.clone(), format!("{} — {}", b.code, b.name)));
                            }
                        }
                    }
                    seen
                }
                Kind::Election => topics
                    .iter()
                    .map(|tp| {
                        let live = tp.read();
                        (live.election.id.clone(), live.election.label.clone())
                    })
                    .collect(),
                Kind::Enum(c) => c
                    .iter()
                    .map(|(a, b)| (a.to_string(), Tr::here(t.module).t(b).to_string()))
                    .collect(),
                Kind::Bool => {
                    let tr = Tr::here(t.module);
                    vec![
                        ("1".into(), tr.w("oui").into()),
                        ("0".into(), tr.w("non").into()),
                    ]
                }
                _ => continue,
            };
            choices.push((f.name, list));
        }
        Ok(Pickers { choices })
    }

    fn of(&self, f: &Field) -> Option<&[(String, String)]> {
        self.choices
            .iter()
            .find(|(n, _)| *n == f.name)
            .map(|(_, c)| c.as_slice())
    }

    /// A select for a filter or a parameter (a free input when there is no list).
    fn select(&self, f: &Field, id: &str, chosen: &str, required: bool) -> Markup {
        match self.of(f) {
            Some(choices) => html! {
                select id=(id) name=(f.name) required[required] {
                    option value="" { @if required { "— choisir —" } @else { "(tous)" } }
                    @for (v, l) in choices { option value=(v) selected[v == chosen] { (l) } }
                }
            },
            None => html! { input id=(id) name=(f.name) value=(chosen) required[required]; },
        }
    }

    /// A form input for `f` holding `value` (what was typed when redisplayed).
    fn input(&self, f: &Field, value: &str, described: Option<&str>, invalid: bool) -> Markup {
        let id = format!("f-{}", f.name);
        let list = self.of(f);
        html! {
            @match (&f.kind, list) {
                (Kind::Bool, _) => {
                    input id=(id) type="checkbox" name=(f.name) value="1" checked[value == "1"]
                        aria-describedby=[described] aria-invalid=[invalid.then_some("true")];
                }
                (_, Some(choices)) => {
                    select id=(id) name=(f.name) required[f.required]
                        aria-describedby=[described] aria-invalid=[invalid.then_some("true")] {
                        option value="" { "—" }
                        @for (v, l) in choices { option value=(v) selected[v == value] { (l) } }
                    }
                }
                (Kind::LongText { max }, _) => {
                    textarea id=(id) name=(f.name) rows="4" maxlength=(max) required[f.required]
                        aria-describedby=[described] aria-invalid=[invalid.then_some("true")] { (value) }
                }
                (kind, _) => {
                    @let (ty, mode) = match kind {
                        Kind::Integer { .. } | Kind::Ref(_) => ("text", Some("numeric")),
                        Kind::Decimal { .. } => ("text", Some("decimal")),
                        Kind::Date => ("date", None),
                        Kind::Time => ("time", None),
                        Kind::Email => ("email", None),
                        Kind::Phone => ("tel", None),
                        _ => ("text", None),
                    };
                    @let max = match kind { Kind::Text { max } => Some(*max), _ => None };
                    input id=(id) type=(ty) name=(f.name) value=(value) inputmode=[mode] maxlength=[max]
                        required[f.required] aria-describedby=[described] aria-invalid=[invalid.then_some("true")];
                }
            }
        }
    }
}

/// The create or edit form, with `errors` next to their fields.
fn form_screen(
    p: &Principal,
    t: Target<'_>,
    pickers: &Pickers,
    typed: &[(String, String)],
    errors: &[FieldError],
    editing: Option<&StoredRecord>,
) -> Markup {
    let e = t.entity;
    let tr = Tr::here(t.module);
    let action = match editing {
        Some(r) => format!("{}/{}/edit", base(t), r.id),
        None => format!("{}/new", base(t)),
    };
    let value_of = |f: &Field| -> String {
        if !typed.is_empty() {
            return typed
                .iter()
                .rev()
                .find(|(k, _)| k == f.name)
                .map_or(String::new(), |(_, v)| v.clone());
        }
        match (editing, e.field_index(f.name)) {
            (Some(r), Some(i)) => input_text(f, &r.values[i]),
            _ => String::new(),
        }
    };
    let general: Vec<&FieldError> = errors
        .iter()
        .filter(|x| e.field_named(&x.field).is_none())
        .collect();
    html! {
        (breadcrumb(t.module, Some(e)))
        h1 { @if editing.is_some() { (tr.w("Modifier")) " " (tr.t(e.singular)) } @else { (tr.w("Ajouter")) " " (tr.t(e.singular)) } }
        @if !errors.is_empty() {
            div.form-error role="alert" #form-errors tabindex="-1" {
                p { (tr.w("La fiche n'a pas été enregistrée :")) " " (errors.len()) " " (if errors.len() > 1 { tr.w("erreurs") } else { tr.w("erreur") }) "." }
                ul { @for x in errors {
                    li { @if let Some(f) = e.field_named(&x.field) { a href={ "#f-" (f.name) } { (tr.t(f.label)) } " : " } (x.message) }
                } }
            }
        }
        @for x in &general { p.error { (x.message) } }
        form.mform method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(csrf_of(p));
            @if let Some(r) = editing { input type="hidden" name="version" value=(r.version); }
            @for (section, fields) in e.sections() {
                fieldset {
                    legend { (section.map_or(tr.w("Fiche"), |s| tr.t(s))) }
                    @for f in fields.iter().filter(|f| is_editable(e, f)) {
                        @let err = errors.iter().find(|x| x.field == f.name);
                        @let help_id = format!("h-{}", f.name);
                        @let err_id = format!("e-{}", f.name);
                        @let described = match (f.help.is_some(), err.is_some()) {
                            (true, true) => Some(format!("{help_id} {err_id}")),
                            (true, false) => Some(help_id.clone()),
                            (false, true) => Some(err_id.clone()),
                            (false, false) => None,
                        };
                        div class={ "mfield" @if err.is_some() { " invalid" } @if matches!(f.kind, Kind::Bool) { " check" } } {
                            label for={ "f-" (f.name) } { (tr.t(f.label)) @if f.required { abbr title=(tr.w("obligatoire")) { " *" } } }
                            (pickers.input(f, &value_of(f), described.as_deref(), err.is_some()))
                            @if let Some(h) = f.help { p.help id=(help_id) { (tr.t(h)) } }
                            @if let Some(x) = err { p.error id=(err_id) { (x.message) } }
                        }
                    }
                }
            }
            p.legend { "* " (tr.w("obligatoire")) }
            button type="submit" { (tr.w("Enregistrer")) }
            " "
            a href=(editing.map_or_else(|| base(t), |r| format!("{}/{}", base(t), r.id))) { (tr.w("Annuler")) }
        }
    }
}

/// The empty form; fields named in the query string are prefilled
/// (`new?bureau=0001&creneau=3`, the links of a module's own screens).
async fn new_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Create).await?;
        let pickers = Pickers::load(&state, t).await?;
        let prefill: Vec<(String, String)> = query_pairs(raw.as_deref())?
            .into_iter()
            .filter(|(k, _)| t.entity.field_named(k).is_some())
            .collect();
        Ok::<_, ApiError>(
            layout(
                Tr::here(t.module).t(t.entity.label),
                &p,
                form_screen(&p, t, &pickers, &prefill, &[], None),
            )
            .into_response(),
        )
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

/// Saves a submitted form (creating, or editing `id`); on refusal the
/// form again, as typed, with every error (422).
async fn save(
    state: &AppState,
    p: &Principal,
    t: Target<'_>,
    pairs: Vec<(String, String)>,
    id: Option<i64>,
) -> Result<Response, ApiError> {
    checked_form(p, &pairs)?;
    let current = match id {
        Some(id) => Some(fetch(state, t, id).await?),
        None => None,
    };
    let checked = check_form(
        t.entity,
        &pairs,
        current.as_ref().map(|c| c.values.as_slice()),
    );
    let checked = match checked {
        Ok(values) => {
            let more = super::module_rules(state, t, &values, id).await?;
            if more.is_empty() {
                Ok(values)
            } else {
                Err((values, more))
            }
        }
        refused => refused,
    };
    let known = known(state);
    let result = match checked {
        Err((_, errors)) => Err(errors),
        Ok(values) => {
            let (_guard, mut tx) = state.store.begin_write().await?;
            let done = match (id, &current) {
                (Some(id), Some(_)) => {
                    let version = pairs
                        .iter()
                        .find(|(k, _)| k == "version")
                        .and_then(|(_, v)| v.parse::<i64>().ok())
                        .ok_or_else(|| {
                            ApiError::bad_request(
                                "invalid_field",
                                "version de la fiche absente du formulaire",
                            )
                        })?;
                    let change = records::Change {
                        id,
                        version,
                        values: &values,
                        action: None,
                    };
                    records::update(&mut tx, t.module, t.entity, change, &known, &p.name)
                        .await
                        .map(|_| id)
                }
                _ => records::insert(&mut tx, t.module, t.entity, &values, &known, &p.name).await,
            };
            match done {
                Ok(id) => {
                    tx.commit().await.map_err(crate::store::StoreError::from)?;
                    Ok(id)
                }
                Err(records::RecordError::Invalid(errors)) => Err(errors),
                Err(other) => return Err(other.into()),
            }
        }
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("{}/{id}?saved=1", base(t))).into_response()),
        Err(errors) => {
            let pickers = Pickers::load(state, t).await?;
            let typed: Vec<(String, String)> = pairs
                .into_iter()
                .filter(|(k, _)| k != "csrf" && k != "version")
                .collect();
            // An unchecked box is absent: keep it unchecked when redisplayed.
            let typed = if typed.is_empty() {
                vec![(String::new(), String::new())]
            } else {
                typed
            };
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                layout(
                    t.entity.label,
                    p,
                    form_screen(p, t, &pickers, &typed, &errors, current.as_ref()),
                ),
            )
                .into_response())
        }
    }
}

async fn create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Create).await?;
        save(&state, &p, t, pairs, None).await
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

async fn detail(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Read).await?;
        let r = fetch(&state, t, parse_id(&id)?).await?;
        let e = t.entity;
        let tr = Tr::here(t.module);
        let titles = ref_titles(&state, t.module, e, &[r.values.as_slice()]).await?;
        let saved = raw.as_deref().is_some_and(|q| q.contains("saved=1"));
        let roles = p.roles_in(t.module.name);
        let state_now = e
            .states
            .as_ref()
            .and_then(|s| Some((s, r.values[e.field_index(s.field)?].as_text()?.to_string())));
        let name = title(e, &r.values);
        let attached = match &e.attachments {
            Some(a) => {
                let mut conn = state.store.acquire().await?;
                let list = crate::store::files::list(&mut conn, t.module, e, r.id).await?;
                Some((a, list))
            }
            None => None,
        };
        let joined = raw.as_deref().is_some_and(|q| q.contains("joint=1"));
        let mut related = Vec::new();
        for other in &t.module.entities {
            if !other.rights.allows_any(Right::Read, &roles) {
                continue;
            }
            for f in other
                .fields
                .iter()
                .filter(|f| f.kind == Kind::Ref(e.name) && other.list.filters.contains(&f.name))
            {
                related.push((
                    format!(
                        "/desk/m/{}/{}?{}={}",
                        t.module.name, other.name, f.name, r.id
                    ),
                    format!("{} ({})", tr.t(other.label), tr.t(f.label)),
                ));
            }
        }
        Ok::<_, ApiError>(layout(&name, &p, html! {
            (breadcrumb(t.module, Some(e)))
            h1 { (name) }
            @if saved { p.form-ok role="status" { (tr.w("Fiche enregistrée.")) } }
            @for (section, fields) in e.sections() {
                section.mdetail {
                    h2 { (section.map_or(tr.w("Fiche"), |s| tr.t(s))) }
                    dl {
                        @for f in fields {
                            @if let Some(i) = e.field_index(f.name) {
                                dt { (tr.t(f.label)) }
                                dd { (cell(t.module, e, i, &r.values[i], &titles)) }
                            }
                        }
                    }
                }
            }
            p.meta { (tr.w("Fiche n°")) " " (r.id) ", " (tr.w("version")) " " (r.version) }
            @if let Some((s, now)) = &state_now {
                @let possible: Vec<_> = s.actions.iter().filter(|a| a.from.contains(&now.as_str()) && roles.iter().any(|r| a.roles.contains(r))).collect();
                @if !possible.is_empty() {
                    div.actions {
                        @for a in possible {
                            form.inline method="post" action={ (base(t)) "/" (r.id) "/action/" (a.name) } {
                                input type="hidden" name="csrf" value=(csrf_of(&p));
                                input type="hidden" name="version" value=(r.version);
                                button type="submit" { (tr.t(a.label)) }
                            }
                            " "
                        }
                    }
                }
            }
            p {
                @if e.rights.allows_any(Right::Update, &roles) { a.button href={ (base(t)) "/" (r.id) "/edit" } { (tr.w("Modifier")) } " " }
                @if e.rights.allows_any(Right::Delete, &roles) { a.button.danger href={ (base(t)) "/" (r.id) "/delete" } { (tr.w("Supprimer")) } }
            }
            @if let Some((a, list)) = &attached {
                section.mfiles {
                    h2 { (tr.w("Pièces jointes")) }
                    @if joined { p.form-ok role="status" { (tr.w("Fichier joint.")) } }
                    @if list.is_empty() { p.muted { (tr.w("Aucune pièce jointe.")) } }
                    @else {
                        table.list {
                            thead { tr { th { (tr.w("Fichier")) } th { "Type" } th.num { (tr.w("Taille")) } th { "SHA-256" } th { (tr.w("Joint par")) } th {} } }
                            tbody {
                                @for f in list {
                                    tr {
                                        td {
                                            @if super::files::may_download(&p, t.module.name, a) {
                                                a href={ (base(t)) "/" (r.id) "/files/" (f.id) } { (f.file_name) }
                                            } @else { (f.file_name) }
                                        }
                                        td { (f.media_type) }
                                        td.num { (f.size) " o" }
                                        td { code title=(f.sha256) { (f.sha256.get(..12).unwrap_or(&f.sha256)) "…" } }
                                        td { (f.uploaded_by) " — " (results_view::time::paris_datetime(f.uploaded_at)) }
                                        td {
                                            @if e.rights.allows_any(Right::Update, &roles) {
                                                form.inline method="post" action={ (base(t)) "/" (r.id) "/files/" (f.id) "/delete" } {
                                                    input type="hidden" name="csrf" value=(csrf_of(&p));
                                                    button.link type="submit" { (tr.w("Retirer")) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if e.rights.allows_any(Right::Update, &roles) {
                        form method="post" action={ (base(t)) "/" (r.id) "/files" } enctype="multipart/form-data" {
                            input type="hidden" name="csrf" value=(csrf_of(&p));
                            p {
                                label for="fichier" { (tr.w("Joindre un fichier")) " (" (a.max_bytes / 1024) " " (tr.w("Ko au plus ; son type est lu dans son contenu")) ")" }
                                br;
                                input #fichier type="file" name="file";
                                " "
                                button type="submit" { (tr.w("Joindre")) }
                            }
                        }
                    }
                }
            }
            @if !related.is_empty() {
                h2 { (tr.w("Fiches liées")) }
                ul { @for (href, label) in &related { li { a href=(href) { (label) } } } }
            }
        }).into_response())
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

async fn edit_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, id)): Path<(String, String, String)>,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Update).await?;
        let r = fetch(&state, t, parse_id(&id)?).await?;
        let pickers = Pickers::load(&state, t).await?;
        Ok::<_, ApiError>(
            layout(
                Tr::here(t.module).t(t.entity.label),
                &p,
                form_screen(&p, t, &pickers, &[], &[], Some(&r)),
            )
            .into_response(),
        )
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

async fn update(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, id)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Update).await?;
        save(&state, &p, t, pairs, Some(parse_id(&id)?)).await
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

async fn delete_confirm(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, id)): Path<(String, String, String)>,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Delete).await?;
        let r = fetch(&state, t, parse_id(&id)?).await?;
        let name = title(t.entity, &r.values);
        Ok::<_, ApiError>(
            layout(
                "Supprimer",
                &p,
                html! {
                    (breadcrumb(t.module, Some(t.entity)))
                    h1 { "Supprimer « " (name) " » ?" }
                    p { "La fiche sera supprimée ; le journal d'audit en garde le contenu." }
                    form method="post" action={ (base(t)) "/" (r.id) "/delete" } {
                        input type="hidden" name="csrf" value=(csrf_of(&p));
                        input type="hidden" name="version" value=(r.version);
                        button.danger type="submit" { "Supprimer définitivement" }
                        " "
                        a href={ (base(t)) "/" (r.id) } { "Annuler" }
                    }
                },
            )
            .into_response(),
        )
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

fn form_version(pairs: &[(String, String)]) -> Result<i64, ApiError> {
    pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::bad_request("invalid_field", "version de la fiche absente du formulaire")
        })
}

async fn delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, id)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Delete).await?;
        checked_form(&p, &pairs)?;
        let id = parse_id(&id)?;
        let version = form_version(&pairs)?;
        let (_guard, mut tx) = state.store.begin_write().await?;
        records::delete(&mut tx, t.module, t.entity, id, version, &p.name).await?;
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        Ok::<_, ApiError>(Redirect::to(&base(t)).into_response())
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

async fn action(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, id, action)): Path<(String, String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Update).await?;
        checked_form(&p, &pairs)?;
        let id = parse_id(&id)?;
        run_action(&state, &p, t, id, form_version(&pairs)?, &action).await?;
        Ok::<_, ApiError>(Redirect::to(&format!("{}/{id}?saved=1", base(t))).into_response())
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

async fn export(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, format)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Read).await?;
        let q = ListQuery::from_pairs(t.entity, &query_pairs(raw.as_deref())?)
            .map_err(ApiError::Fields)?;
        let table = export_table(&state, t, &q).await?;
        let answer = spreadsheet(
            &table,
            &format,
            &format!("{}-{}", t.module.name, t.entity.name),
        )?;
        super::audit_export(
            &state,
            &p,
            t.module,
            t.entity.name,
            &format!("export.{format}"),
            raw.as_deref().unwrap_or_default(),
            table.rows.len(),
        )
        .await?;
        Ok(answer)
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

/// A mail-merge letter over the records of its entity's list (with the
/// list's filters and search): one page per record, as one PDF.
async fn letter(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    use crate::print::documents::{Block, Document, render};
    let run = async {
        let m = enabled_module(&state, &module).await?;
        let l = m
            .letter(&name)
            .ok_or_else(|| ApiError::not_found(format!("lettre inconnue : {name}")))?;
        if !p.roles_in(m.name).iter().any(|r| l.roles.contains(r)) {
            return Err(ApiError::Forbidden(format!(
                "votre rôle ne peut pas éditer : {}",
                l.label
            )));
        }
        let t = open(&state, &p, &module, l.entity, Right::Read).await?;
        let e = t.entity;
        let mut q =
            ListQuery::from_pairs(e, &query_pairs(raw.as_deref())?).map_err(ApiError::Fields)?;
        q.per_page = module_engine::sql::MAX_PER_PAGE;
        let mut rows = Vec::new();
        let mut conn = state.store.acquire().await?;
        loop {
            let (page, total) = records::list(&mut conn, t.module, e, &q).await?;
            let n = page.len();
            rows.extend(page);
            if n == 0 || rows.len() as i64 >= total {
                break;
            }
            q.page += 1;
        }
        drop(conn);
        let views: Vec<&[Value]> = rows.iter().map(|r| r.values.as_slice()).collect();
        let titles = ref_titles(&state, t.module, e, &views).await?;
        let mut blocks = Vec::new();
        for r in &rows {
            if !blocks.is_empty() {
                blocks.push(Block::PageBreak);
            }
            let tr = Tr::here(t.module);
            let (heading, body) = l.fill_in(
                |text| tr.t(text),
                |field| match e.field_index(field) {
                    Some(i) => cell(t.module, e, i, &r.values[i], &titles),
                    None => String::new(),
                },
            );
            blocks.push(Block::Title(heading));
            blocks.push(Block::Space(4.0));
            blocks.extend(body.into_iter().map(Block::Paragraph));
            blocks.push(Block::Space(8.0));
            blocks.push(Block::Right(Tr::here(t.module).t(l.signature).to_string()));
        }
        if blocks.is_empty() {
            blocks.push(Block::Paragraph(
                "Aucune fiche ne correspond : aucune lettre.".into(),
            ));
        }
        super::audit_export(
            &state,
            &p,
            t.module,
            e.name,
            &format!("lettre.{}", l.name),
            raw.as_deref().unwrap_or_default(),
            rows.len(),
        )
        .await?;
        let doc = Document {
            title: format!("{} — {}", m.label, l.label),
            running: l.label.to_string(),
            blocks,
        };
        let bytes = render(&doc, crate::print::Paper::A4, crate::store::now_millis())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("pdf: {e}")))?;
        Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/pdf".to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}-{}.pdf\"", m.name, l.name),
                ),
            ],
            bytes,
        )
            .into_response())
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

fn import_page(p: &Principal, t: Target<'_>, outcome: Option<Markup>) -> Markup {
    let e = t.entity;
    html! {
        (breadcrumb(t.module, Some(e)))
        h1 { "Importer : " (e.label) }
        @if let Some(o) = outcome { (o) }
        p { "Un fichier CSV (séparateur ; , ou tabulation, UTF-8 ou Windows-1252) ou un tableur (.xlsx, .ods, .xls). "
            "La première ligne nomme les colonnes, par le nom ou l'intitulé des champs :" }
        ul.columns {
            @for f in e.fields.iter().filter(|f| is_editable(e, f)) {
                li { code { (f.name) } " — " (f.label) @if f.required { " (obligatoire)" }
                    @if let Kind::Ref(target) = f.kind { @if let Some(te) = t.module.entity(target) { " : numéro ou intitulé d'une fiche de « " (te.label) " »" } } }
            }
        }
        p { "Chaque ligne est vérifiée comme un formulaire. S'il y a une seule erreur, rien n'est importé et chaque erreur est donnée avec sa ligne." }
        form.card method="post" action={ (base(t)) "/import" } enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(csrf_of(p));
            div.mfield {
                label for="file" { "Fichier" }
                input #file type="file" name="file" required accept=".csv,.txt,.xlsx,.ods,.xls";
            }
            button type="submit" { "Importer" }
        }
    }
}

/// The parts of a `multipart/form-data` form (an upload and its fields).
#[derive(Debug, Default)]
pub struct FormParts(Vec<(String, axum::body::Bytes)>);

impl FormParts {
    /// A text field, trimmed (empty when absent).
    pub fn text(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| String::from_utf8_lossy(b).trim().to_string())
            .unwrap_or_default()
    }

    /// A file field, if one was sent and is not empty.
    pub fn file(&self, name: &str) -> Option<axum::body::Bytes> {
        self.0
            .iter()
            .find(|(n, b)| n == name && !b.is_empty())
            .map(|(_, b)| b.clone())
    }
}

/// Reads every part of an upload form; a broken body is a 400 naming why.
pub async fn form_parts(mut multipart: axum::extract::Multipart) -> Result<FormParts, ApiError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        ApiError::bad_request("body_unreadable", format!("envoi illisible : {e}"))
    };
    let mut parts = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(unreadable(&e)),
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| unreadable(&e))?;
        parts.push((name, bytes));
    }
    Ok(FormParts(parts))
}

async fn import_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity)): Path<(String, String)>,
) -> Response {
    match open(&state, &p, &module, &entity, Right::Create).await {
        Ok(t) => layout("Importer", &p, import_page(&p, t, None)).into_response(),
        Err(e) => fail(&p, e),
    }
}

async fn import_submit(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity)): Path<(String, String)>,
    multipart: axum::extract::Multipart,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Create).await?;
        let sent = form_parts(multipart).await?;
        p.check_csrf(Some(&sent.text("csrf")))?;
        let file = sent.file("file");
        let Some(bytes) = file.filter(|b| !b.is_empty()) else {
            let o = html! { p.form-error role="alert" { "Aucun fichier : choisissez le fichier à importer." } };
            return Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                layout("Importer", &p, import_page(&p, t, Some(o))),
            )
                .into_response());
        };
        let known = known(&state);
        match super::import::import(
            &state.store,
            t.module,
            t.entity,
            &bytes,
            &known,
            &p.name,
            &mut |_, _| {},
        )
        .await
        {
            Ok(done) => {
                let o = html! {
                    p.form-ok role="status" { (done.rows) " fiche" @if done.rows > 1 { "s" } " importée" @if done.rows > 1 { "s" } "." }
                    @if !done.ignored_columns.is_empty() { p { "Colonnes ignorées (aucun champ de ce nom) : " (done.ignored_columns.join(", ")) } }
                    p { a href=(base(t)) { "Voir la liste" } }
                };
                Ok(layout("Importer", &p, import_page(&p, t, Some(o))).into_response())
            }
            Err(super::import::ImportError::Rows { errors, count }) => {
                let o = html! {
                    div.form-error role="alert" #form-errors {
                        p { "Le fichier n'a pas été importé : " (count) " erreur" @if count > 1 { "s" } "." }
                        ul { @for x in &errors { li { (x.to_string()) } } }
                        @if count > errors.len() { p { "(les " (errors.len()) " premières)" } }
                    }
                };
                Ok((
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    layout("Importer", &p, import_page(&p, t, Some(o))),
                )
                    .into_response())
            }
            Err(super::import::ImportError::Store(s)) => Err(s.into()),
        }
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

/// `POST …/{id}/files`: one file from the record's screen.
async fn file_add(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, id)): Path<(String, String, String)>,
    multipart: axum::extract::Multipart,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Update).await?;
        let id = parse_id(&id)?;
        let mut multipart = multipart;
        let (mut csrf, mut file) = (String::new(), None);
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    return Err(ApiError::bad_request(
                        "body_unreadable",
                        format!("envoi illisible : {e}"),
                    ));
                }
            };
            let name = field.name().unwrap_or_default().to_string();
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|e| {
                ApiError::bad_request("body_unreadable", format!("envoi illisible : {e}"))
            })?;
            match name.as_str() {
                "csrf" => csrf = String::from_utf8_lossy(&bytes).trim().to_string(),
                "file" => file = Some((file_name, bytes)),
                _ => {}
            }
        }
        p.check_csrf(Some(&csrf))?;
        let (file_name, bytes) = file.unwrap_or_default();
        super::files::upload(&state, &p, t, id, &file_name, &bytes).await?;
        Ok::<_, ApiError>(Redirect::to(&format!("{}/{id}?joint=1", base(t))).into_response())
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

/// `GET …/{id}/files/{file_id}`: the bytes, for the roles that may download.
async fn file_get(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, id, file_id)): Path<(String, String, String, String)>,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Read).await?;
        super::files::download(&state, &p, t, parse_id(&id)?, parse_id(&file_id)?).await
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

/// `POST …/{id}/files/{file_id}/delete`.
async fn file_delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((module, entity, id, file_id)): Path<(String, String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let t = open(&state, &p, &module, &entity, Right::Update).await?;
        checked_form(&p, &pairs)?;
        let (id, file_id) = (parse_id(&id)?, parse_id(&file_id)?);
        let (_guard, mut tx) = state.store.begin_write().await?;
        crate::store::files::delete(&mut tx, t.module, t.entity, id, file_id, &p.name).await?;
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        Ok::<_, ApiError>(Redirect::to(&format!("{}/{id}", base(t))).into_response())
    };
    run.await.unwrap_or_else(|e| fail(&p, e))
}

//! The JSON API every module entity gets: `/api/m/{module}/{entity}` to
//! list (page, sort, filters, search) and create, `/{record_id}` to read, replace
//! (`If-Match: version`) and delete, `/{record_id}/actions/{action}` to move its
//! state, `/export.csv` and `/export.xlsx`. The same engine checks as the
//! desk's forms; each refusal is 422 `invalid_record` with every field
//! error. [`document`] adds each entity's paths and body schema to the
//! OpenAPI document.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use module_engine::export::{Cell, Table};
use module_engine::sql::ListQuery;
use module_engine::validate::check_json;
use module_engine::value::{display, to_json};
use module_engine::{Catalog, Entity, Kind, Module, Right, Value};
use serde_json::{Value as Json, json};

use super::{Target, fetch, known, open, parse_id};
use crate::api::{ApiJson, csrf_header, if_match};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::records::{self, StoredRecord};

/// The routes, relative to `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/m/{module}/{entity}", get(list).post(create))
        .route("/m/{module}/{entity}/export.{format}", get(export))
        .route(
            "/m/{module}/{entity}/import",
            post(import_file).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route(
            "/m/{module}/{entity}/{record_id}",
            get(read).put(replace).delete(remove),
        )
        .route(
            "/m/{module}/{entity}/{record_id}/actions/{action}",
            post(act),
        )
        .merge(
            super::files::routes().layer(axum::extract::DefaultBodyLimit::max(
                super::files::BODY_LIMIT,
            )),
        )
}

/// A query string as pairs (a malformed one is refused, naming it).
pub fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or_default())
        .map_err(|e| ApiError::bad_request("invalid_field", format!("paramètres illisibles : {e}")))
}

/// A record as the API shows it.
pub fn record_json(e: &Entity, r: &StoredRecord) -> Json {
    let fields: serde_json::Map<String, Json> = e
        .fields
        .iter()
        .zip(&r.values)
        .map(|(f, v)| (f.name.to_string(), to_json(f, v)))
        .collect();
    json!({
        "id": r.id,
        "version": r.version,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "fields": fields,
    })
}

/// Largest file an import takes (a roll of 100,000 electors is about 15 MB).
pub const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

impl From<super::import::ImportError> for ApiError {
    fn from(e: super::import::ImportError) -> ApiError {
        match e {
            super::import::ImportError::Rows { errors, count } => {
                let first = errors.first().map_or(String::new(), |x| format!(" ; {x}"));
                ApiError::Fields(
                    errors
                        .into_iter()
                        .map(|x| module_engine::FieldError {
                            field: x.field.map_or_else(
                                || format!("ligne {}", x.line),
                                |f| format!("ligne {} : {f}", x.line),
                            ),
                            rule: "import",
                            message: x.message,
                        })
                        .chain(std::iter::once(module_engine::FieldError {
                            field: String::new(),
                            rule: "import_summary",
                            message: format!(
                                "{count} erreur(s) dans le fichier : rien n'a été importé{first}"
                            ),
                        }))
                        .collect(),
                )
            }
            super::import::ImportError::Store(s) => s.into(),
        }
    }
}

/// Imports a CSV or spreadsheet file (the request's body) into an entity:
/// every row or none.
async fn import_file(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Path((module, entity)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Create).await?;
    p.check_csrf(csrf_header(&headers))?;
    let known = known(&state);
    let done = super::import::import(
        &state.store,
        t.module,
        t.entity,
        &body,
        &known,
        &p.name,
        &mut |_, _| {},
    )
    .await?;
    Ok(axum::Json(done).into_response())
}

/// A page of the list: `items`, `total`, `page`, `per_page`.
async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path((module, entity)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Read).await?;
    let q =
        ListQuery::from_pairs(t.entity, &query_pairs(raw.as_deref())?).map_err(ApiError::Fields)?;
    let mut conn = state.store.acquire().await?;
    let (rows, total) = records::list(&mut conn, t.module, t.entity, &q).await?;
    let items: Vec<Json> = rows.iter().map(|r| record_json(t.entity, r)).collect();
    Ok(axum::Json(json!({
        "items": items,
        "total": total,
        "page": q.page,
        "per_page": q.per_page,
    }))
    .into_response())
}

async fn create(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Path((module, entity)): Path<(String, String)>,
    ApiJson(body): ApiJson<Json>,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Create).await?;
    p.check_csrf(csrf_header(&headers))?;
    let values = check_json(t.entity, &body, None).map_err(ApiError::Fields)?;
    let more = super::module_rules(&state, t, &values, None).await?;
    if !more.is_empty() {
        return Err(ApiError::Fields(more));
    }
    let known = known(&state);
    let (_guard, mut tx) = state.store.begin_write().await?;
    let id = records::insert(&mut tx, t.module, t.entity, &values, &known, &p.name).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    let stored = fetch(&state, t, id).await?;
    let location = format!("/api/m/{}/{}/{id}", t.module.name, t.entity.name);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(record_json(t.entity, &stored)),
    )
        .into_response())
}

async fn read(
    State(state): State<AppState>,
    p: Principal,
    Path((module, entity, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Read).await?;
    let r = fetch(&state, t, parse_id(&id)?).await?;
    Ok((
        [(header::ETAG, format!("\"{}\"", r.version))],
        axum::Json(record_json(t.entity, &r)),
    )
        .into_response())
}

fn required_version(headers: &HeaderMap) -> Result<i64, ApiError> {
    if_match(headers)?.ok_or_else(|| ApiError::BadRequest {
        status: StatusCode::PRECONDITION_REQUIRED,
        code: "invalid_if_match",
        message: "If-Match est obligatoire : la version de la fiche lue, par exemple \"3\"".into(),
    })
}

async fn replace(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Path((module, entity, id)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<Json>,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Update).await?;
    p.check_csrf(csrf_header(&headers))?;
    let id = parse_id(&id)?;
    let version = required_version(&headers)?;
    let current = fetch(&state, t, id).await?;
    let values = check_json(t.entity, &body, Some(&current.values)).map_err(ApiError::Fields)?;
    let more = super::module_rules(&state, t, &values, Some(id)).await?;
    if !more.is_empty() {
        return Err(ApiError::Fields(more));
    }
    let known = known(&state);
    let (_guard, mut tx) = state.store.begin_write().await?;
    let change = records::Change {
        id,
        version,
        values: &values,
        action: None,
    };
    records::update(&mut tx, t.module, t.entity, change, &known, &p.name).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    let stored = fetch(&state, t, id).await?;
    Ok(axum::Json(record_json(t.entity, &stored)).into_response())
}

async fn remove(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Path((module, entity, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Delete).await?;
    p.check_csrf(csrf_header(&headers))?;
    let id = parse_id(&id)?;
    let version = required_version(&headers)?;
    let (_guard, mut tx) = state.store.begin_write().await?;
    records::delete(&mut tx, t.module, t.entity, id, version, &p.name).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Moves a record's state by one of its entity's actions; returns the
/// new values (shared with the desk's buttons).
pub async fn run_action(
    state: &AppState,
    p: &Principal,
    t: Target<'_>,
    id: i64,
    version: i64,
    action: &str,
) -> Result<(), ApiError> {
    let e = t.entity;
    let Some(states) = &e.states else {
        return Err(ApiError::not_found(format!(
            "{} n'ont pas d'états",
            e.label
        )));
    };
    let Some(a) = states.actions.iter().find(|a| a.name == action) else {
        return Err(ApiError::not_found(format!("action inconnue : {action}")));
    };
    if !p
        .roles_in(t.module.name)
        .iter()
        .any(|r| a.roles.contains(r))
    {
        return Err(ApiError::Forbidden(format!(
            "le rôle « {} » ne peut pas : {}",
            p.role.label_fr(),
            a.label
        )));
    }
    let current = fetch(state, t, id).await?;
    let Some(i) = e.field_index(states.field) else {
        return Err(ApiError::not_found("champ d'état absent"));
    };
    let now = current.values[i].as_text().unwrap_or_default().to_string();
    if !a.from.contains(&now.as_str()) {
        let shown = display(&e.fields[i], &current.values[i]);
        return Err(ApiError::Conflict {
            message: format!("« {} » est impossible depuis l'état « {shown} »", a.label),
            current_version: current.version,
        });
    }
    let mut values = current.values.clone();
    values[i] = Value::Text(a.to.to_string());
    if let Some(j) = a.stamp.and_then(|f| e.field_index(f)) {
        values[j] = Value::Text(results_view::time::today_paris());
    }
    // The record in its new state meets the entity's rules (a courrier
    // is assigned to a service, a closed task has its date).
    let errors = module_engine::validate::validate(e, &values);
    if !errors.is_empty() {
        return Err(ApiError::Fields(errors));
    }
    let known = known(state);
    let (_guard, mut tx) = state.store.begin_write().await?;
    let change = records::Change {
        id,
        version,
        values: &values,
        action: Some(a.name),
    };
    records::update(&mut tx, t.module, e, change, &known, &p.name).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

async fn act(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Path((module, entity, id, action)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Update).await?;
    p.check_csrf(csrf_header(&headers))?;
    let id = parse_id(&id)?;
    let version = required_version(&headers)?;
    run_action(&state, &p, t, id, version, &action).await?;
    let stored = fetch(&state, t, id).await?;
    Ok(axum::Json(record_json(t.entity, &stored)).into_response())
}

/// The titles of the records referenced by `rows` (field index, id → title).
pub async fn ref_titles(
    state: &AppState,
    m: &Module,
    e: &Entity,
    rows: &[&[Value]],
) -> Result<Vec<(usize, i64, String)>, ApiError> {
    let mut out = Vec::new();
    let mut conn = state.store.acquire().await?;
    for (i, f) in e.fields.iter().enumerate() {
        let Kind::Ref(target) = f.kind else { continue };
        let Some(t) = m.entity(target) else { continue };
        let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.get(i)?.as_int()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        for r in records::get_many(&mut conn, m, t, &ids).await? {
            out.push((i, r.id, title(t, &r.values)));
        }
    }
    Ok(out)
}

pub use super::title;

/// Every matching record (no paging) as an export table.
pub async fn export_table(
    state: &AppState,
    t: Target<'_>,
    q: &ListQuery,
) -> Result<Table, ApiError> {
    let mut q = q.clone();
    q.per_page = module_engine::sql::MAX_PER_PAGE;
    q.page = 1;
    let mut rows = Vec::new();
    let mut conn = state.store.acquire().await?;
    loop {
        let (page, total) = records::list(&mut conn, t.module, t.entity, &q).await?;
        let n = page.len();
        rows.extend(page);
        if n == 0 || rows.len() as i64 >= total {
            break;
        }
        q.page += 1;
    }
    drop(conn);
    let views: Vec<&[Value]> = rows.iter().map(|r| r.values.as_slice()).collect();
    let titles = ref_titles(state, t.module, t.entity, &views).await?;
    let e = t.entity;
    let mut header = vec!["n°".to_string()];
    header.extend(e.fields.iter().map(|f| f.label.to_string()));
    let body = rows
        .iter()
        .map(|r| {
            let mut cells = vec![Cell::Int(r.id)];
            cells.extend(e.fields.iter().enumerate().map(|(i, f)| {
                let shown = r.values[i].as_int().and_then(|id| {
                    titles
                        .iter()
                        .find(|(fi, rid, _)| *fi == i && *rid == id)
                        .map(|(_, _, s)| s.clone())
                });
                Cell::of(f, &r.values[i], shown)
            }));
            cells
        })
        .collect();
    Ok(Table {
        title: e.label.to_string(),
        header,
        rows: body,
    })
}

/// A list as a download: CSV, `.xlsx`, or a PDF report (the same table,
/// broken across pages with its header repeated).
pub fn spreadsheet(table: &Table, format: &str, name: &str) -> Result<Response, ApiError> {
    let (bytes, mime) = match format {
        "csv" => (
            module_engine::export::to_csv(table),
            "text/csv; charset=utf-8",
        ),
        "xlsx" => (
            module_engine::export::to_xlsx(table)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("xlsx: {e}")))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "pdf" => (report_pdf(table)?, "application/pdf"),
        other => {
            return Err(ApiError::not_found(format!(
                "format d'export inconnu : {other} (csv, xlsx ou pdf)"
            )));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{format}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn export(
    State(state): State<AppState>,
    p: Principal,
    Path((module, entity, format)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Read).await?;
    let q =
        ListQuery::from_pairs(t.entity, &query_pairs(raw.as_deref())?).map_err(ApiError::Fields)?;
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
}

/// A list as a PDF report (A3 landscape beyond six columns).
fn report_pdf(table: &Table) -> Result<Vec<u8>, ApiError> {
    use crate::print::documents::{Block, Document, render};
    let text = |c: &Cell| match c {
        Cell::Text(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Decimal(n, s) => module_engine::value::format_decimal(*n, *s),
    };
    let columns = table
        .header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let numeric = table
                .rows
                .first()
                .and_then(|r| r.get(i))
                .is_some_and(|c| !matches!(c, Cell::Text(_)));
            (h.clone(), if i == 0 { 0.5 } else { 1.0 }, numeric)
        })
        .collect();
    let doc = Document {
        title: table.title.clone(),
        running: table.title.clone(),
        blocks: vec![
            Block::Title(table.title.clone()),
            Block::Subtitle(format!("{} fiche(s)", table.rows.len())),
            Block::Table {
                columns,
                rows: table
                    .rows
                    .iter()
                    .map(|r| r.iter().map(text).collect())
                    .collect(),
                total: false,
            },
        ],
    };
    let paper = if table.header.len() > 6 {
        crate::print::Paper::A3
    } else {
        crate::print::Paper::A4
    };
    render(&doc, paper, crate::store::now_millis())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("pdf: {e}")))
}

/// The JSON schema of an entity's body: one property per editable field.
fn body_schema(e: &Entity) -> Json {
    let mut props = serde_json::Map::new();
    let mut required = Vec::new();
    for f in e
        .fields
        .iter()
        .filter(|f| module_engine::validate::is_editable(e, f))
    {
        let mut s = match &f.kind {
            Kind::Integer { min, max } => {
                let mut s = json!({"type": ["integer", "null"]});
                if let Some(m) = min {
                    s["minimum"] = json!(m);
                }
                if let Some(m) = max {
                    s["maximum"] = json!(m);
                }
                s
            }
            Kind::Ref(_) => json!({"type": ["integer", "null"], "minimum": 1}),
            Kind::Bool => json!({"type": ["boolean", "null"]}),
            Kind::Enum(choices) => {
                let codes: Vec<&str> = choices.iter().map(|(c, _)| *c).collect();
                json!({"type": ["string", "null"], "enum": codes})
            }
            Kind::Text { max } | Kind::LongText { max } => {
                json!({"type": ["string", "null"], "maxLength": max})
            }
            Kind::Decimal { .. } => {
                json!({"type": ["string", "null"], "pattern": "^-?[0-9]*[.,]?[0-9]*$"})
            }
            _ => json!({"type": ["string", "null"]}),
        };
        s["description"] = json!(
            f.help
                .map_or(f.label.to_string(), |h| format!("{} — {h}", f.label))
        );
        if f.required {
            required.push(f.name);
        }
        props.insert(f.name.to_string(), s);
    }
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": props,
        "required": required,
    })
}

/// Adds every entity of the catalogue to the OpenAPI document (JSON
/// level: paths per entity, their body schema, the common errors).
pub fn document(catalog: &Catalog, doc: &mut Json) {
    let errors = |codes: &[&str]| {
        let mut r = serde_json::Map::new();
        for c in codes {
            r.insert(
                (*c).to_string(),
                json!({"description": "refus (module non activé, droits, fiche, validation)",
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}),
            );
        }
        r
    };
    let ok = |desc: &str| json!({"description": desc, "content": {"application/json": {"schema": {"type": "object"}}}});
    let Some(paths) = doc.get_mut("paths").and_then(Json::as_object_mut) else {
        return;
    };
    let mut search_resp = errors(&["400", "401"]);
    search_resp.insert(
        "200".into(),
        ok("les fiches trouvées, par entité : results[{module, entity, label, total, hits[{id, title}]}]"),
    );
    paths.insert(
        "/api/search".into(),
        json!({"get": {"tags": ["modules"], "summary": "Recherche dans toutes les fiches des modules que le rôle consulte",
                       "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                       "responses": search_resp}}),
    );
    for m in catalog.modules() {
        for e in &m.entities {
            let tag = format!("module {}", m.name);
            let base = format!("/api/m/{}/{}", m.name, e.name);
            let schema = body_schema(e);
            // Not `id`: the elections' paths use that name for an election id.
            let id_param = json!({"name": "record_id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}});
            let if_match = json!({"name": "If-Match", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^(\"[0-9]{1,15}\"|[0-9]{1,15})$"}});
            let mut list_resp = errors(&["400", "401", "403", "404", "422"]);
            list_resp.insert(
                "200".into(),
                ok("une page de la liste : items, total, page, per_page"),
            );
            let mut create_resp = errors(&["400", "401", "403", "404", "413", "415", "422"]);
            create_resp.insert("201".into(), ok("la fiche créée"));
            paths.insert(base.clone(), json!({
                "get": {"tags": [tag], "summary": format!("{} : liste", e.label),
                        "parameters": [
                            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                            {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": module_engine::sql::MAX_PER_PAGE}},
                            {"name": "q", "in": "query", "schema": {"type": "string"}}],
                        "responses": list_resp},
                "post": {"tags": [tag], "summary": format!("{} : créer", e.label),
                         "requestBody": {"required": true, "content": {"application/json": {"schema": schema}}},
                         "responses": create_resp},
            }));
            let mut read_resp = errors(&["401", "403", "404"]);
            read_resp.insert("200".into(), ok("la fiche"));
            let mut put_resp = errors(&[
                "400", "401", "403", "404", "409", "413", "415", "422", "428",
            ]);
            put_resp.insert("200".into(), ok("la fiche modifiée"));
            let mut del_resp = errors(&["400", "401", "403", "404", "409", "428"]);
            del_resp.insert("204".into(), json!({"description": "supprimée"}));
            paths.insert(format!("{base}/{{record_id}}"), json!({
                "get": {"tags": [tag], "summary": format!("{} : lire", e.singular), "parameters": [id_param], "responses": read_resp},
                "put": {"tags": [tag], "summary": format!("{} : modifier", e.singular), "parameters": [id_param, if_match],
                        "requestBody": {"required": true, "content": {"application/json": {"schema": schema}}},
                        "responses": put_resp},
                "delete": {"tags": [tag], "summary": format!("{} : supprimer", e.singular), "parameters": [id_param, if_match], "responses": del_resp},
            }));
            if let Some(a) = &e.attachments {
                let file_param = json!({"name": "file_id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}});
                let mut files_resp = errors(&["401", "403", "404"]);
                files_resp.insert("200".into(), json!({"description": "les pièces jointes : id, file_name, media_type, size, sha256, uploaded_at, uploaded_by",
                    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}));
                let mut add_resp = errors(&["400", "401", "403", "404", "413", "422"]);
                add_resp.insert("201".into(), ok("la pièce jointe enregistrée"));
                paths.insert(format!("{base}/{{record_id}}/files"), json!({
                    "get": {"tags": [tag], "summary": format!("{} : pièces jointes", e.singular), "parameters": [id_param], "responses": files_resp},
                    "post": {"tags": [tag], "summary": format!("{} : joindre un fichier ({} octets au plus, type lu dans le contenu : {})", e.singular, a.max_bytes, a.types.join(", ")),
                             "parameters": [id_param, {"name": "nom", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 255}}],
                             "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                             "responses": add_resp},
                }));
                let mut get_resp = errors(&["401", "403", "404"]);
                get_resp.insert("200".into(), json!({"description": "le fichier (son SHA-256 dans X-Content-SHA256)",
                    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}));
                let mut rm_resp = errors(&["400", "401", "403", "404"]);
                rm_resp.insert("204".into(), json!({"description": "supprimée"}));
                paths.insert(format!("{base}/{{record_id}}/files/{{file_id}}"), json!({
                    "get": {"tags": [tag], "summary": format!("{} : télécharger une pièce jointe", e.singular), "parameters": [id_param, file_param], "responses": get_resp},
                    "delete": {"tags": [tag], "summary": format!("{} : retirer une pièce jointe", e.singular), "parameters": [id_param, file_param], "responses": rm_resp},
                }));
            }
        }
    }
}

//! Files attached to module records, served: the one place that checks an
//! upload (module-engine's `attachment`: type by content, size, SHA-256),
//! stores it with its record's audit ([`crate::store::files`]) and hands it
//! out to the roles allowed to download (reading the record is not enough,
//! and every download is audited). The JSON API and the desk's record
//! screen both call [`upload`] and [`download`].
//!
//! Routes (relative to `/api`): `GET /m/{module}/{entity}/{record_id}/files`
//! (the list, with each file's SHA-256), `POST …/files?nom=FICHIER` (the
//! body is the file), `GET …/files/{file_id}` (the bytes) and `DELETE
//! …/files/{file_id}`.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use module_engine::Right;
use module_engine::attachment::{self, Attachments};

use super::{Target, fetch, open, parse_id};
use crate::api::csrf_header;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::files::{self, StoredFile};

/// Largest body of an upload route: above every entity's own limit, so
/// that a file too large is refused by its check, naming both sizes.
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/m/{module}/{entity}/{record_id}/files",
            get(list_files).post(add_file),
        )
        .route(
            "/m/{module}/{entity}/{record_id}/files/{file_id}",
            get(get_file).delete(delete_file),
        )
}

/// The entity's attachments, or 404 when it takes none.
pub fn accepted<'a>(t: &Target<'a>) -> Result<&'a Attachments, ApiError> {
    t.entity.attachments.as_ref().ok_or_else(|| {
        ApiError::not_found(format!(
            "{} ne reçoivent pas de pièces jointes",
            t.entity.label
        ))
    })
}

/// Whether `p` may download the entity's files (by its account's role or
/// one granted in the module).
pub fn may_download(p: &Principal, module: &str, a: &Attachments) -> bool {
    p.roles_in(module).iter().any(|r| a.download.contains(r))
}

/// Checks and stores one file on a record (the caller checked the CSRF
/// token); returns it.
pub async fn upload(
    state: &AppState,
    p: &Principal,
    t: Target<'_>,
    record_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<StoredFile, ApiError> {
    let a = accepted(&t)?;
    fetch(state, t, record_id).await?;
    let checked = attachment::check(a, file_name, bytes).map_err(ApiError::Fields)?;
    let (_guard, mut tx) = state.store.begin_write().await?;
    let file = files::add(
        &mut tx, t.module, t.entity, record_id, &checked, bytes, &p.name,
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(file)
}

/// One file's bytes for `p` (403 for a role that may read the record but
/// not download), audited, as a download response.
pub async fn download(
    state: &AppState,
    p: &Principal,
    t: Target<'_>,
    record_id: i64,
    file_id: i64,
) -> Result<Response, ApiError> {
    let a = accepted(&t)?;
    if !may_download(p, t.module.name, a) {
        return Err(ApiError::Forbidden(format!(
            "le rôle « {} » ne peut pas télécharger les pièces jointes : {}",
            p.role.label_fr(),
            t.entity.label
        )));
    }
    let mut conn = state.store.acquire().await?;
    let Some((file, bytes)) = files::get(&mut conn, t.module, t.entity, record_id, file_id).await?
    else {
        return Err(ApiError::not_found(format!(
            "pas de pièce jointe n° {file_id} sur la fiche n° {record_id}"
        )));
    };
    drop(conn);
    super::audit_export(
        state,
        p,
        t.module,
        t.entity.name,
        &format!("file {}", file.id),
        &format!("record {record_id}"),
        1,
    )
    .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        file.file_name
            .replace(['"', '\\'], "_")
            .replace(|c: char| !c.is_ascii(), "_"),
        utf8_percent(&file.file_name)
    );
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256={}", file.sha256)) {
        h.insert("x-content-sha256", v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// RFC 5987 percent-encoding of a file name.
fn utf8_percent(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn list_files(
    State(state): State<AppState>,
    p: Principal,
    Path((module, entity, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Read).await?;
    accepted(&t)?;
    let id = parse_id(&id)?;
    fetch(&state, t, id).await?;
    let mut conn = state.store.acquire().await?;
    let list = files::list(&mut conn, t.module, t.entity, id).await?;
    Ok(axum::Json(list).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct Named {
    /// The file's name (its extension must agree with its content).
    nom: Option<String>,
}

async fn add_file(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Path((module, entity, id)): Path<(String, String, String)>,
    Query(q): Query<Named>,
    body: Body,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Update).await?;
    p.check_csrf(csrf_header(&headers))?;
    let id = parse_id(&id)?;
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::BadRequest {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "body_too_large",
            message: format!("fichier de plus de {} Mo", BODY_LIMIT / (1024 * 1024)),
        })?;
    let file = upload(&state, &p, t, id, q.nom.as_deref().unwrap_or(""), &bytes).await?;
    let location = format!(
        "/api/m/{}/{}/{id}/files/{}",
        t.module.name, t.entity.name, file.id
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(file),
    )
        .into_response())
}

async fn get_file(
    State(state): State<AppState>,
    p: Principal,
    Path((module, entity, id, file_id)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Read).await?;
    download(&state, &p, t, parse_id(&id)?, parse_id(&file_id)?).await
}

async fn delete_file(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Path((module, entity, id, file_id)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let t = open(&state, &p, &module, &entity, Right::Update).await?;
    p.check_csrf(csrf_header(&headers))?;
    accepted(&t)?;
    let (id, file_id) = (parse_id(&id)?, parse_id(&file_id)?);
    let (_guard, mut tx) = state.store.begin_write().await?;
    let done = files::delete(&mut tx, t.module, t.entity, id, file_id, &p.name).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    if done {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(format!(
            "pas de pièce jointe n° {file_id} sur la fiche n° {id}"
        )))
    }
}

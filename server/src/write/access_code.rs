//! A bureau president's one-time login code: made by the desk (the API's
//! `POST …/bureaux/{code}/code` and the desk's screen), stored as a hash,
//! valid once for 24 hours; checked by [`crate::auth::login::check_code`].

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// Creates and stores a one-time code; returns it (it is shown once, never
/// stored in clear). The API and the desk's screen both call it.
pub async fn new_access_code(
    state: &AppState,
    principal: &Principal,
    id: &str,
    code: &str,
) -> Result<String, ApiError> {
    let topic = state.election(id)?;
    if topic.read().election.bureau(code).is_none() {
        return Err(ApiError::not_found(format!(
            "bureau inconnu dans {id} : {code}"
        )));
    }
    // 12 characters from an alphabet without look-alikes: ~60 bits.
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let raw: String = {
        use rand::Rng;
        let mut rng = rand::rng();
        (0..12)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect()
    };
    state
        .store
        .create_access_code(
            &crate::auth::sha256_hex(raw.as_bytes()),
            id,
            code,
            &principal.name,
            crate::store::now_millis() + 24 * 3_600_000,
        )
        .await?;
    Ok(format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12]))
}

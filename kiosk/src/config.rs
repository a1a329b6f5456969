//! The kiosk's configuration: a small TOML file, or command-line flags.
//!
//! ```toml
//! server = "https://resultats.example.fr"
//! elections = ["presidentielle-2027-t1"]
//! listen = "127.0.0.1:8090"
//! state_dir = "/var/lib/urne-kiosk"
//! rotation_seconds = 10
//! idle_seconds = 60
//! lang = "fr"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Base URL of the Urne server.
    pub server: String,
    /// Elections to follow (ids).
    pub elections: Vec<String>,
    /// Where the local display listens.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Where the mirrors are kept.
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    /// Period of the big screen's rotation.
    #[serde(default = "default_rotation")]
    pub rotation_seconds: u32,
    /// Back to the touch home after this long without a touch.
    #[serde(default = "default_idle")]
    pub idle_seconds: u32,
    /// `fr` or `en`.
    #[serde(default = "default_lang")]
    pub lang: String,
}

fn default_listen() -> String {
    "127.0.0.1:8090".into()
}

fn default_state_dir() -> PathBuf {
    PathBuf::from("urne-kiosk-state")
}

fn default_rotation() -> u32 {
    10
}

fn default_idle() -> u32 {
    60
}

fn default_lang() -> String {
    "fr".into()
}

impl Config {
    pub fn from_file(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let c: Config =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        c.check()?;
        Ok(c)
    }

    pub fn check(&self) -> anyhow::Result<()> {
        if !(self.server.starts_with("http://") || self.server.starts_with("https://")) {
            anyhow::bail!(
                "server: an http:// or https:// URL is expected, got {}",
                self.server
            );
        }
        if self.elections.is_empty() {
            anyhow::bail!("elections: at least one election id is expected");
        }
        if !matches!(self.lang.as_str(), "fr" | "en") {
            anyhow::bail!("lang: fr or en expected, got {}", self.lang);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_minimal_file() {
        let c: Config = toml::from_str(
            "server = \"http://127.0.0.1:8080\"\nelections = [\"presidentielle-2027-t1\"]\n",
        )
        .expect("parse");
        assert_eq!(c.listen, "127.0.0.1:8090");
        assert_eq!(c.rotation_seconds, 10);
        assert!(c.check().is_ok());
        let bad: Result<Config, _> = toml::from_str("server = 1\nelections = []\n");
        assert!(bad.is_err());
        let unknown: Result<Config, _> =
            toml::from_str("server = \"http://x\"\nelections = [\"a\"]\ncolour = \"red\"\n");
        assert!(unknown.is_err());
    }
}

//! `urne backup FILE` and `urne restore FILE`: a consistent copy of a SQLite
//! database taken while the server runs, and its return into place.
//!
//! The backup is SQLite's `VACUUM INTO` (one read transaction: a snapshot,
//! even under writes), written to a temporary file next to FILE, synced,
//! then linked to FILE, so FILE is either absent or complete and an existing
//! file is never overwritten. A restore checks that the file is an Urne
//! database whose audit chain verifies ([`Store::verify_audit`]) on a copy
//! next to the target, then renames that copy into place. PostgreSQL has its
//! own tools (`pg_dump`/`pg_restore`); both commands name them and write
//! nothing.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Row};

use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The file to write (refused if it exists).
    pub file: PathBuf,
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
    pub database_url: String,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file written by `urne backup`.
    pub file: PathBuf,
    /// The SQLite database to restore into (stop the server first).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Replace a target database that already holds data.
    #[arg(long)]
    pub force: bool,
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

/// `url` with its password, if any, replaced by `***` (the message is
/// printed and may be logged).
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// The SQLite file behind `url`, or a message naming the rule.
fn sqlite_options(url: &str, what: &str) -> anyhow::Result<SqliteConnectOptions> {
    if !url.starts_with("sqlite:") {
        bail!("{what} : URL non prise en charge (attendu sqlite:// ou postgres://) : {url}");
    }
    SqliteConnectOptions::from_str(url).with_context(|| format!("{what} : URL SQLite invalide"))
}

/// Refuses a database without Urne's tables.
async fn check_urne_tables(conn: &mut SqliteConnection, file: &Path) -> anyhow::Result<()> {
    let rows = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('elections', 'audit_log')",
    )
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("{} n'est pas une base SQLite lisible", file.display()))?;
    let found: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .collect();
    for table in ["elections", "audit_log"] {
        if !found.iter().any(|t| t == table) {
            bail!(
                "{} n'est pas une base Urne : la table {table} manque",
                file.display()
            );
        }
    }
    Ok(())
}

/// A fresh name in `target`'s directory, so the final rename stays on one
/// filesystem.
fn temp_next_to(target: &Path) -> PathBuf {
    let dir = dir_of(target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "urne.db".to_string());
    dir.join(format!(
        ".{name}.urne-tmp-{}",
        uuid::Uuid::new_v4().simple()
    ))
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", path.display()))
}

/// Makes a rename or link in `path`'s directory durable.
fn sync_dir_of(path: &Path) -> anyhow::Result<()> {
    sync_file(&dir_of(path))
}

/// Removes a temporary file and its SQLite companions (best effort: it is
/// ours, and nothing else refers to it).
fn remove_temp(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    if is_postgres(&args.database_url) {
        bail!(
            "urne backup ne sauvegarde que SQLite ; pour PostgreSQL, utilisez pg_dump : \
             pg_dump --format=custom --file={} '{}' (restauration : pg_restore --clean --dbname=URL {})",
            args.file.display(),
            without_password(&args.database_url),
            args.file.display()
        );
    }
    let options = sqlite_options(&args.database_url, "--database-url")?
        .create_if_missing(false)
        .busy_timeout(std::time::Duration::from_secs(10));
    if args.file.exists() {
        bail!(
            "{} existe déjà : une sauvegarde n'écrase jamais un fichier, choisissez un autre nom",
            args.file.display()
        );
    }
    let source = options.get_filename().to_path_buf();
    if !source.is_file() {
        bail!("--database-url : la base {} n'existe pas", source.display());
    }
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("cannot open {}", source.display()))?;
    check_urne_tables(&mut conn, &source).await?;
    let temp = temp_next_to(&args.file);
    let Some(temp_name) = temp.to_str() else {
        bail!(
            "FILE : le chemin {} n'est pas en UTF-8",
            args.file.display()
        );
    };
    let vacuumed = sqlx::query("VACUUM INTO $1")
        .bind(temp_name)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    if let Err(e) = vacuumed {
        remove_temp(&temp);
        return Err(e).with_context(|| format!("cannot write {}", args.file.display()));
    }
    let placed = sync_file(&temp).and_then(|()| {
        // A hard link never replaces FILE, even if it appeared meanwhile.
        std::fs::hard_link(&temp, &args.file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow::anyhow!(
                    "{} existe déjà : une sauvegarde n'écrase jamais un fichier, choisissez un autre nom",
                    args.file.display()
                )
            } else {
                anyhow::Error::new(e).context(format!("cannot write {}", args.file.display()))
            }
        })
    });
    remove_temp(&temp);
    placed?;
    sync_dir_of(&args.file)?;
    let bytes = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    println!(
        "sauvegarde écrite : {} ({bytes} octets), copie cohérente de {}",
        args.file.display(),
        source.display()
    );
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    if is_postgres(&args.database_url) {
        bail!(
            "urne restore ne restaure que SQLite ; pour PostgreSQL, utilisez pg_restore : \
             pg_restore --clean --dbname='{}' {}",
            without_password(&args.database_url),
            args.file.display()
        );
    }
    let target_options = sqlite_options(&args.database_url, "--database-url")?;
    let target = target_options.get_filename().to_path_buf();
    if !args.file.is_file() {
        bail!("FILE : {} n'existe pas", args.file.display());
    }
    // SQLite's file header, before anything opens the file.
    let mut magic = [0u8; 16];
    let header = std::fs::File::open(&args.file)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok();
    if !header || &magic != b"SQLite format 3\0" {
        bail!("{} n'est pas une base SQLite", args.file.display());
    }
    {
        let options = SqliteConnectOptions::new()
            .filename(&args.file)
            .read_only(true)
            .immutable(true);
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .with_context(|| format!("cannot open {}", args.file.display()))?;
        let checked = check_urne_tables(&mut conn, &args.file).await;
        let _ = conn.close().await;
        checked?;
    }
    let occupied = std::fs::metadata(&target).is_ok_and(|m| m.len() > 0);
    if occupied && !args.force {
        bail!(
            "--database-url : {} existe et contient des données ; ajoutez --force pour la remplacer (serveur arrêté)",
            target.display()
        );
    }
    let temp = temp_next_to(&target);
    let result = prepare(&args.file, &temp).await;
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            remove_temp(&temp);
            return Err(e);
        }
    };
    // A stale WAL of the replaced database must not be replayed onto this one.
    for suffix in ["-wal", "-shm"] {
        let mut p = target.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    if let Err(e) = std::fs::rename(&temp, &target) {
        remove_temp(&temp);
        return Err(e).with_context(|| format!("cannot write {}", target.display()));
    }
    sync_dir_of(&target)?;
    println!(
        "restauré dans {} : {} élection(s) ({}), {} saisie(s), journal d'audit intact ({} lignes)",
        target.display(),
        summary.elections.len(),
        summary.elections.join(", "),
        summary.entries,
        summary.audit_rows
    );
    Ok(())
}

struct Restored {
    elections: Vec<String>,
    entries: i64,
    audit_rows: i64,
}

/// Copies `file` to a work file, brings it to the current schema, verifies
/// its audit chain and counts what it holds; then writes `temp`, one
/// self-contained, synced file, with `VACUUM INTO` from the open work copy
/// (no exclusive access to wait for, as leaving WAL would need).
async fn prepare(file: &Path, temp: &Path) -> anyhow::Result<Restored> {
    let work = temp_next_to(temp);
    let result = check_and_write(file, &work, temp).await;
    remove_temp(&work);
    result
}

async fn check_and_write(file: &Path, work: &Path, temp: &Path) -> anyhow::Result<Restored> {
    std::fs::copy(file, work).with_context(|| format!("cannot copy {}", file.display()))?;
    let (Some(work_name), Some(temp_name)) = (work.to_str(), temp.to_str()) else {
        bail!(
            "--database-url : le chemin {} n'est pas en UTF-8",
            temp.display()
        );
    };
    let store = Store::connect(&format!("sqlite://{work_name}")).await?;
    let report = store.verify_audit().await?;
    if !report.is_intact() {
        store.pool().close().await;
        bail!(
            "{} : journal d'audit ALTÉRÉ ({} lignes lues), rien n'est restauré : {}",
            file.display(),
            report.rows,
            report.problems.join(" ; ")
        );
    }
    let elections: Vec<String> = sqlx::query("SELECT id FROM elections ORDER BY id")
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
    let entries: i64 = sqlx::query("SELECT COUNT(*) FROM entries")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?;
    sqlx::query(&format!("VACUUM INTO '{}'", temp_name.replace('\'', "''")))
        .execute(store.pool())
        .await?;
    store.pool().close().await;
    sync_file(temp)?;
    Ok(Restored {
        elections,
        entries,
        audit_rows: report.rows,
    })
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            without_password("postgres://urne:secret@db:5432/urne"),
            "postgres://urne:***@db:5432/urne"
        );
        assert_eq!(
            without_password("postgres://postgres@127.0.0.1/urne"),
            "postgres://postgres@127.0.0.1/urne"
        );
        assert_eq!(without_password("postgres:///urne"), "postgres:///urne");
    }
}

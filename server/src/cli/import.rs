//! `urne import setup` (an election from the commune's CSV or spreadsheet files),
//! `urne import ministry` (a past election with its results, from the
//! ministry's per-bureau file) and `urne import contours` (the bureaux'
//! contours, GeoJSON, through [`crate::contours`]), straight against the
//! database like `serve`. Nothing is written unless the whole file is valid; every problem
//! is printed with its line and column. The ministry's results go through
//! the same write path as the API ([`crate::write::import_published`]).

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use election_data::formats::{
    ElectionHeader, FormatErrors, ResultsFile, ministry, parse_kind, setup,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::store::Store;

/// Files above this size show a progress bar while read.
const PROGRESS_BYTES: u64 = 1 << 20;

#[derive(Debug, clap::Args)]
pub struct ElectionArgs {
    /// Identifier of the new election (a-z, 0-9, -).
    #[arg(long)]
    pub id: String,
    /// Its label, as shown on the pages.
    #[arg(long)]
    pub label: String,
    /// presidentielle, legislatives, europeennes, regionales,
    /// departementales, municipales, communautaires or referendum.
    #[arg(long)]
    pub kind: String,
    #[arg(long, default_value_t = 1)]
    pub round: u8,
    /// Polling day, AAAA-MM-JJ.
    #[arg(long)]
    pub date: String,
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
    pub database_url: String,
    /// Check the files and print what would be imported; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl ElectionArgs {
    fn header(&self) -> anyhow::Result<ElectionHeader> {
        let kind = parse_kind(&self.kind)
            .ok_or_else(|| anyhow!("--kind : type d'élection inconnu « {} »", self.kind))?;
        Ok(ElectionHeader {
            id: self.id.clone(),
            label: self.label.clone(),
            kind,
            round: self.round,
            date: self.date.clone(),
        })
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Define an election from the commune's CSV, .xlsx or .ods files (bureaux,
    /// candidates, optionally the electoral roll).
    Setup {
        #[command(flatten)]
        election: ElectionArgs,
        /// Code of the commune (its INSEE code, e.g. 13004), or of the
        /// territory when the bureaux file has a commune column (e.g. EPCI-BMO).
        #[arg(long, visible_alias = "territory-code")]
        commune_code: String,
        /// Name of the commune, or of the territory.
        #[arg(long, visible_alias = "territory-name")]
        commune_name: String,
        /// What the territory is, when the bureaux file names each bureau's
        /// commune: circonscription, canton, epci, departement or territoire.
        #[arg(long, value_parser = parse_territory_kind)]
        territory_kind: Option<election_data::PerimeterKind>,
        /// Bureaux: code, nom, adresse, inscrits, canton, circonscription,
        /// quartier, village; and code commune, commune for a territory.
        #[arg(long)]
        bureaux: PathBuf,
        /// Candidates or lists: panneau, nom, prénom, sexe, nuance, couleur,
        /// candidats CM, candidats CC.
        #[arg(long)]
        candidates: PathBuf,
        /// Electoral roll: one row per elector with its bureau, or bureau and inscrits.
        #[arg(long)]
        roll: Option<PathBuf>,
        /// The commune's INSEE population (population municipale): for
        /// municipales it sets the council's seats (L.2121-2 CGCT) unless
        /// --seats is given, and the under-1,000 rules.
        #[arg(long)]
        population: Option<u32>,
        /// Seats to fill (list ballots).
        #[arg(long)]
        seats: Option<u32>,
        /// Municipales of a commune of 1,000 and more: its seats at the
        /// community council (prefectural order).
        #[arg(long)]
        cc_seats: Option<u32>,
    },
    /// Load a past election with its results from the ministry's
    /// per-bureau file; bureaux are stored as published.
    Ministry {
        /// The ministry's file (CSV, `;`, UTF-8 or Windows-1252, or .xlsx/.ods), in any of its
        /// layouts (2014–2022, européennes, municipales 2020, since 2024).
        file: PathBuf,
        #[command(flatten)]
        election: ElectionArgs,
        /// Keep only these communes of a national file (INSEE codes,
        /// separated by commas or the option repeated).
        #[arg(long, value_delimiter = ',')]
        commune: Vec<String>,
        /// Keep only the bureaux of this département (`29`, `2A`).
        #[arg(long)]
        departement: Option<String>,
        /// Keep only the bureaux of this circonscription of the département (`02`).
        #[arg(long)]
        circonscription: Option<String>,
        /// A commune's INSEE population, `INSEE=N` (repeat for each commune):
        /// the size of its municipal council (L.2121-2) and its method, so
        /// that the pages, the API and the feed allocate its seats. The file
        /// does not carry it.
        #[arg(long, value_name = "INSEE=N", value_delimiter = ',')]
        population: Vec<String>,
        /// A commune's community seats at municipales, `INSEE=N` (repeat
        /// for each commune of 1,000 inhabitants and more).
        #[arg(long = "cc-seats", value_name = "INSEE=N", value_delimiter = ',')]
        cc_seats: Vec<String>,
    },
    /// Store the bureaux' contours of an election from GeoJSON (the national
    /// open-data contours of the bureaux de vote, or the commune's own
    /// file); features of other communes are skipped.
    Contours {
        /// The GeoJSON file (a FeatureCollection of polygons, WGS 84).
        file: PathBuf,
        /// The election whose bureaux the shapes are.
        #[arg(long)]
        election: String,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
        /// Check the file and print what would be imported; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("lecture de {}", path.display()))
}

fn progress_for(len: u64, what: &str) -> ProgressBar {
    if len < PROGRESS_BYTES {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Prints every problem of a file on standard error and fails.
fn report(path: &Path, errors: FormatErrors) -> anyhow::Error {
    for e in &errors.0 {
        eprintln!("{}: {e}", path.display());
    }
    anyhow!(
        "{} : {} erreur{} ; rien n'a été importé",
        path.display(),
        errors.0.len(),
        if errors.0.len() > 1 { "s" } else { "" }
    )
}

pub async fn import(command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Setup {
            election,
            commune_code,
            commune_name,
            territory_kind,
            bureaux,
            candidates,
            roll,
            population,
            seats,
            cc_seats,
        } => {
            let header = election.header()?;
            let b = setup::decode_bureaux(&read(&bureaux)?, &commune_code)
                .map_err(|e| report(&bureaux, e))?;
            let c = setup::decode_candidates(&read(&candidates)?)
                .map_err(|e| report(&candidates, e))?;
            let r = match &roll {
                Some(path) => {
                    let bytes = read(path)?;
                    let bar = progress_for(bytes.len() as u64, "liste électorale");
                    let r = setup::decode_roll(&bytes, &mut |done, total| {
                        bar.set_length(total);
                        bar.set_position(done);
                    });
                    bar.finish_and_clear();
                    Some(r.map_err(|e| report(path, e))?)
                }
                None => None,
            };
            let figures = setup::CommuneFigures {
                population,
                seats,
                cc_seats,
            };
            let e = setup::build_election_in(
                header,
                (&commune_code, &commune_name),
                territory_kind,
                figures,
                b,
                r.as_ref(),
                c,
            )
            .map_err(|e| report(roll.as_deref().unwrap_or(&bureaux), e))?;
            println!(
                "{} : {} bureaux ({} inscrits), {} candidats, {} périmètres",
                e.id,
                e.bureaux.len(),
                e.total_inscrits(),
                e.candidates.len(),
                e.perimeters.len()
            );
            if election.dry_run {
                println!("vérification seule : rien n'a été enregistré");
                return Ok(());
            }
            let store = Store::connect(&election.database_url).await?;
            store.create_election(&e, "cli-import").await?;
            println!("élection {} enregistrée", e.id);
        }
        ImportCommand::Ministry {
            file,
            election,
            commune,
            departement,
            circonscription,
            population,
            cc_seats,
        } => {
            let header = election.header()?;
            let import = ministry::MinistryImport {
                header,
                filter: ministry::Filter {
                    departement,
                    circonscription,
                    communes: commune,
                },
            };
            let decoded = read_ministry(&file, &import)?;
            let mut results = decoded.map_err(|e| report(&file, e))?;
            give_communes(&mut results.election, &population, &cc_seats)?;
            let e = &results.election;
            let place = match e.root() {
                Some(root) if e.is_territory() => format!(
                    "{} « {} », {} communes",
                    root.kind.label_fr().to_lowercase(),
                    root.name,
                    e.communes().len()
                ),
                _ => format!(
                    "commune {} ({})",
                    results.meta.commune_label,
                    results.meta.insee()
                ),
            };
            println!(
                "{} : {place}, {} bureaux, {} candidats",
                e.id,
                e.bureaux.len(),
                e.candidates.len()
            );
            if election.dry_run {
                println!("vérification seule : rien n'a été enregistré");
                return Ok(());
            }
            let store = Store::connect(&election.database_url).await?;
            store_results(&store, &results).await?;
            println!(
                "élection {} enregistrée avec {} procès-verbaux publiés",
                results.election.id,
                results.pvs.len()
            );
        }
        ImportCommand::Contours {
            file,
            election,
            database_url,
            dry_run,
        } => import_contours(&file, &election, &database_url, dry_run).await?,
    }
    Ok(())
}

/// `INSEE=N` of `--population` and `--cc-seats`, for the communes of the
/// election read: a one-commune night's community seats are the election's,
/// a territory's each commune's. The definition is checked again.
fn give_communes(
    e: &mut election_data::Election,
    population: &[String],
    cc_seats: &[String],
) -> anyhow::Result<()> {
    let pairs = |option: &str, values: &[String]| -> anyhow::Result<Vec<(String, u32)>> {
        values
            .iter()
            .map(|v| {
                let (code, n) = v
                    .split_once('=')
                    .ok_or_else(|| anyhow!("--{option} {v} : attendu INSEE=N (29019=139619)"))?;
                let code = ministry::values::pad_code(code.trim(), 5);
                let n: u32 = n
                    .trim()
                    .parse()
                    .map_err(|_| anyhow!("--{option} {v} : « {n} » n'est pas un entier"))?;
                if !e.communes().iter().any(|m| m.code == code) {
                    bail!("--{option} {v} : la commune {code} n'est pas dans le fichier importé");
                }
                Ok((code, n))
            })
            .collect()
    };
    let population = pairs("population", population)?;
    let cc_seats = pairs("cc-seats", cc_seats)?;
    let territory = e.is_territory();
    for (code, n) in population {
        if let Some(p) = e.perimeters.iter_mut().find(|p| p.code == code) {
            p.population = Some(n);
        }
    }
    for (code, n) in cc_seats {
        if !territory {
            e.cc_seats = Some(n);
        } else if let Some(p) = e.perimeters.iter_mut().find(|p| p.code == code) {
            p.cc_seats = Some(n);
        }
    }
    e.check().map_err(|errs| {
        anyhow!(
            "{}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

async fn import_contours(
    file: &Path,
    election_id: &str,
    database_url: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    let bytes = read(file)?;
    let store = Store::connect(database_url).await?;
    let Some(stored) = store.load_election(election_id).await? else {
        anyhow::bail!("--election : aucune élection « {election_id} » dans la base");
    };
    let election = stored.election;
    let refused = |errors: Vec<election_data::map::contours::ContourError>| {
        for e in &errors {
            eprintln!("{}: {e}", file.display());
        }
        anyhow!(
            "{} : {} erreur{} ; rien n'a été importé",
            file.display(),
            errors.len(),
            if errors.len() > 1 { "s" } else { "" }
        )
    };
    if dry_run {
        let imported = election_data::map::contours::read(&bytes, &election).map_err(refused)?;
        println!(
            "{} : {} bureaux, {} objets ({} d'autres communes ignorés), {} points gardés sur {}",
            election.id,
            imported.map.shapes.len(),
            imported.features,
            imported.skipped,
            imported.points_kept,
            imported.points_read
        );
        println!("vérification seule : rien n'a été enregistré");
        return Ok(());
    }
    match crate::contours::import(&store, &election, &bytes, "cli-import").await {
        Ok((_, s)) => {
            println!(
                "{} : contours de {} bureaux enregistrés ({} objets, {} d'autres communes ignorés, {} points gardés sur {})",
                election.id, s.bureaux, s.features, s.skipped, s.points_kept, s.points_read
            );
            if store.backend() == crate::store::Backend::Sqlite {
                println!("un serveur déjà lancé sur cette base les montre après son redémarrage");
            }
            Ok(())
        }
        Err(crate::contours::ImportError::Invalid(errors)) => Err(refused(errors)),
        Err(crate::contours::ImportError::Store(e)) => Err(e.into()),
    }
}

/// A territory's kind on the command line (the model's names).
fn parse_territory_kind(s: &str) -> Result<election_data::PerimeterKind, String> {
    election_data::formats::parse_perimeter_kind(s)
        .filter(|k| k.groups_communes())
        .ok_or_else(|| {
            format!("« {s} » : attendu circonscription, canton, epci, departement ou territoire")
        })
}

/// Reads a ministry file: a text file is streamed (bounded memory, only
/// the filter's rows kept) with a progress bar; a spreadsheet is read whole.
fn read_ministry(
    path: &Path,
    import: &ministry::MinistryImport,
) -> anyhow::Result<Result<ResultsFile, FormatErrors>> {
    use std::io::{BufRead, BufReader};
    let opened =
        std::fs::File::open(path).with_context(|| format!("lecture de {}", path.display()))?;
    let total = opened.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(1 << 20, opened);
    let head = reader
        .fill_buf()
        .with_context(|| format!("lecture de {}", path.display()))?;
    if election_data::formats::sheet::is_spreadsheet(head) {
        let bytes = read(path)?;
        return Ok(ministry::decode(&bytes, import, &mut |_, _| {}));
    }
    let bar = progress_for(total, "fichier du ministère");
    let decoded = ministry::decode_stream(reader, total, import, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    Ok(decoded.map(|(_, r)| r))
}

/// Creates the election and stores each bureau's procès-verbal as
/// published, through the write path (as an administrator).
pub async fn store_results(store: &Store, results: &ResultsFile) -> anyhow::Result<()> {
    let bar = if results.election.bureaux.len() > 200 {
        ProgressBar::new(results.election.bureaux.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    crate::write::import_published(store, results, "cli-import", || bar.inc(1)).await?;
    bar.finish_and_clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::give_communes;

    /// The intercommunalité's file as the ministry publishes it carries no
    /// population: `--population` and `--cc-seats` give each commune its
    /// councils, and a bad value or a commune outside the file is refused.
    #[test]
    fn a_ministry_import_is_given_each_commune_s_population_and_community_seats() {
        let bytes =
            include_str!("../../../election-data/fixtures/ministry/municipales-2026-epci.csv");
        let e = election_data::fixtures::sample_municipal_territory();
        let import = super::ministry::MinistryImport {
            header: super::ElectionHeader {
                id: e.id.clone(),
                label: e.label.clone(),
                kind: e.kind,
                round: e.round,
                date: e.date.clone(),
            },
            filter: super::ministry::Filter::default(),
        };
        let decoded = super::ministry::decode(bytes.as_bytes(), &import, &mut |_, _| {})
            .expect("the fixture");
        let mut got = decoded.election.clone();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        give_communes(
            &mut got,
            &s(&["29019=139619", "29075=15112", "29189=14010", "29235=600"]),
            &s(&["29019=40", "29075=5", "29189=4"]),
        )
        .expect("given");
        let brest = got.perimeter("29019").expect("Brest");
        assert_eq!(
            (brest.population, brest.cc_seats),
            (Some(139_619), Some(40))
        );
        let mut bad = decoded.election.clone();
        let err = give_communes(&mut bad, &s(&["29999=10"]), &[]).expect_err("not in the file");
        assert!(err.to_string().contains("29999"), "{err}");
        let err = give_communes(&mut bad, &s(&["29019=beaucoup"]), &[]).expect_err("no number");
        assert!(err.to_string().contains("n'est pas un entier"), "{err}");
        let err =
            give_communes(&mut bad, &s(&["29235=600"]), &s(&["29235=2"])).expect_err("under 1,000");
        assert!(err.to_string().contains("L.273-11"), "{err}");
    }
}

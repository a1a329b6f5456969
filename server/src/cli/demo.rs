//! `urne demo`: a live election night on the embedded SQLite, nothing else
//! to set up. Starts the server, then plays the sample commune's
//! présidentielle (narrated), its municipal election (quietly, for the
//! seats) and a législative circonscription of four communes (quietly, a
//! territory) through the public HTTP API ([`super::demo_script`]).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::{Script, play, random_token, shutdown_signal};
use crate::app::{Config, spawn};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    #[arg(long, env = "URNE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The demo's database; the default file is recreated at each run.
    #[arg(long, default_value = "sqlite://urne-demo.db")]
    database_url: String,
    /// Length of the night, in seconds.
    #[arg(long, default_value_t = 120)]
    duration: u64,
    /// Seed of the figures and of the arrival order.
    #[arg(long, default_value_t = 2027)]
    seed: u64,
    /// Stop when every bureau has arrived instead of serving on.
    #[arg(long)]
    exit_when_done: bool,
}

pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    // Quiet logs: the demo narrates the night on stdout.
    super::init_tracing("warn");
    if args.database_url == "sqlite://urne-demo.db" {
        for f in ["urne-demo.db", "urne-demo.db-wal", "urne-demo.db-shm"] {
            if Path::new(f).exists() {
                std::fs::remove_file(f)?;
            }
        }
    }
    let store = Arc::new(Store::connect(&args.database_url).await?);
    // openScrutin is on in the demo: the commune's bureaux come staffed.
    let catalog = crate::modules::builtin();
    if let Some(m) = catalog.module(crate::modules::scrutin::NAME) {
        let (_guard, mut tx) = store.begin_write().await?;
        crate::store::records::set_enabled(&mut tx, store.backend(), m, true, "demo").await?;
        tx.commit().await?;
    }
    seed_catalogue(&store, &catalog).await?;
    let token = random_token();
    let running = spawn(
        &args.listen,
        store,
        Config {
            api_token: token.clone(),
            ..Config::default()
        },
    )
    .await?;
    let base = format!("http://{}", running.addr);
    println!("Urne — soirée électorale de démonstration");
    println!("  Résultats en direct : {base}/elections/presidentielle-2027-t1");
    println!("  API (OpenAPI)       : {base}/api/openapi.json");
    println!("  Jeton de saisie     : {token}");
    let duration = Duration::from_secs(args.duration);
    let script = Script {
        base: base.clone(),
        token: token.clone(),
        duration,
        seed: args.seed,
        election: election_data::fixtures::sample_commune(),
        contours: Some(election_data::fixtures::SAMPLE_CONTOURS),
        narrate: true,
    };
    // The same commune's municipal election plays alongside, quietly:
    // lists and provisional seats.
    let municipales = Script {
        base: base.clone(),
        token: token.clone(),
        duration,
        seed: args.seed.wrapping_add(1),
        election: election_data::fixtures::sample_municipales(),
        contours: Some(election_data::fixtures::SAMPLE_CONTOURS),
        narrate: false,
    };
    // And a territory of several communes: a législative circonscription.
    let circonscription = Script {
        base: base.clone(),
        token: token.clone(),
        duration,
        seed: args.seed.wrapping_add(2),
        election: election_data::fixtures::sample_circonscription(),
        contours: None,
        narrate: false,
    };
    // And a prefecture's municipal night over an intercommunalité: each
    // commune its own lists and councils.
    let intercommunalite = Script {
        base: base.clone(),
        token: token.clone(),
        duration,
        seed: args.seed.wrapping_add(3),
        election: election_data::fixtures::sample_municipal_territory(),
        contours: None,
        narrate: false,
    };
    println!("  Municipales (sièges) : {base}/elections/municipales-2026-t1");
    println!(
        "  Circonscription (4 communes) : {base}/elections/{}",
        circonscription.election.id
    );
    println!(
        "  Municipales d'une intercommunalité (4 communes) : {base}/elections/{}",
        intercommunalite.election.id
    );
    println!("  Bureaux (openScrutin): {base}/desk/m/scrutin/tableau");
    println!("  Courrier (openCourrier) : {base}/desk/m/courrier/corbeille");
    println!("  Cimetières (openCimetière) : {base}/desk/m/cimetiere/plan");
    println!();
    tokio::spawn(staff_when_defined(
        base.clone(),
        token.clone(),
        script.election.clone(),
    ));
    let side = tokio::spawn(play(municipales));
    let territory = tokio::spawn(play(circonscription));
    let epci = tokio::spawn(play(intercommunalite));
    tokio::select! {
        outcome = play(script) => {
            for (name, task) in [
                ("municipales", side),
                ("circonscription", territory),
                ("intercommunalité", epci),
            ] {
                match task.await {
                    Ok(Err(e)) => eprintln!("{name}: {e:#}"),
                    Err(e) => eprintln!("{name}: {e}"),
                    Ok(Ok(_)) => {}
                }
            }
            let outcome = outcome?;
            println!();
            println!(
                "Tous les bureaux sont parvenus : {} procès-verbaux acceptés, {} refusé puis corrigé.",
                outcome.accepted, outcome.refused
            );
        }
        () = shutdown_signal() => { running.shutdown().await; return Ok(()); }
    }
    if args.exit_when_done {
        running.shutdown().await;
    } else {
        println!("Le serveur reste ouvert sur {base}/ — Ctrl-C pour arrêter.");
        tokio::select! {
            r = running.wait() => r?,
            () = shutdown_signal() => {}
        }
    }
    Ok(())
}

/// openCourrier and openCimetière on, with a registry and a cemetery from
/// the catalogue's fixture programs (imported as `urne module import`
/// would: every row checked), so their screens have something to show.
async fn seed_catalogue(store: &Store, catalog: &module_engine::Catalog) -> anyhow::Result<()> {
    let known = crate::store::records::Known::default();
    let files = [
        (
            catalogue::courrier::NAME,
            catalogue::courrier::fixture::registry(2026, 300, 600).csv(),
        ),
        (
            catalogue::cimetiere::NAME,
            catalogue::cimetiere::fixture::generate(2026, 800, 1_500).csv(),
        ),
    ];
    for (name, csvs) in files {
        let Some(m) = catalog.module(name) else {
            continue;
        };
        {
            let (_guard, mut tx) = store.begin_write().await?;
            crate::store::records::set_enabled(&mut tx, store.backend(), m, true, "demo").await?;
            tx.commit().await?;
        }
        for (entity, csv) in csvs {
            let Some(e) = m.entity(entity) else { continue };
            crate::modules::import::import(
                store,
                m,
                e,
                csv.as_bytes(),
                &known,
                "demo",
                &mut |_, _| {},
            )
            .await
            .map_err(|err| anyhow::anyhow!("demo data {name}.{entity}: {err:?}"))?;
        }
    }
    Ok(())
}

/// Staffs the présidentielle's bureaux (openScrutin) once the night's
/// script has defined the election.
async fn staff_when_defined(base: String, token: String, election: election_data::model::Election) {
    let http = reqwest::Client::new();
    let url = format!("{base}/api/elections/{}", election.id);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if http
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            eprintln!("openScrutin: the election was not defined in time, bureaux left unstaffed");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let codes: Vec<String> = election.bureaux.iter().map(|b| b.code.clone()).collect();
    if let Err(e) = super::demo_staffing::staff(&base, &token, &election.id, &codes).await {
        eprintln!("openScrutin: staffing the demo bureaux failed: {e:#}");
    }
}

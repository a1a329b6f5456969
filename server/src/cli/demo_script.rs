//! `urne demo`: a whole election night on the sample commune.
//!
//! The demo drives the real server through its public HTTP API, exactly as
//! the desk would: it defines the election, reports turnout at 12:00 and
//! 17:00, then sends the bureaux' procès-verbaux one by one in a shuffled
//! order; the desk validates and publishes each one. One PV is deliberately inconsistent (Σ voix ≠ exprimés): the server
//! refuses it with 422 and the demo corrects it a moment later. Everything a
//! page shows during the demo went through validation, the store and the hub.

use std::time::Duration;

use anyhow::Context;
use election_data::fixtures::{SplitMix, sample_pv, sample_turnout};
use election_data::model::{Election, ProcesVerbal};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// How the demo plays.
#[derive(Debug, Clone)]
pub struct Script {
    /// Base URL of the server, e.g. `http://127.0.0.1:8080`.
    pub base: String,
    pub token: String,
    /// Total length of the night.
    pub duration: Duration,
    /// Seed of the figures and of the arrival order.
    pub seed: u64,
    /// The election to play.
    pub election: Election,
    /// The bureaux' contours (GeoJSON) to import once the election is
    /// defined, as the town hall's GIS would.
    pub contours: Option<&'static str>,
    /// Print the night as it goes.
    pub narrate: bool,
}

/// What the demo did, for its caller and its test.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub election_id: String,
    pub accepted: usize,
    pub refused: usize,
    pub corrected: usize,
}

fn clock() -> String {
    results_view::time::utc_time(results_view::time::now_millis())
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .with_context(|| format!("request to {path}"))?;
        let status = resp.status();
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        Ok((status, body))
    }
}

fn pv_json(pv: &ProcesVerbal) -> Value {
    serde_json::to_value(pv).unwrap_or(Value::Null)
}

/// Plays the night; returns once every bureau has arrived.
pub async fn play(script: Script) -> anyhow::Result<Outcome> {
    let election = script.election.clone();
    let say = |line: String| {
        if script.narrate {
            println!("{line}");
        }
    };
    let client = Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
        base: script.base.clone(),
        token: script.token.clone(),
    };
    let mut outcome = Outcome {
        election_id: election.id.clone(),
        ..Outcome::default()
    };

    let (status, body) = client
        .send(
            reqwest::Method::POST,
            "/api/elections",
            &serde_json::to_value(&election)?,
        )
        .await?;
    match status {
        StatusCode::CREATED => say(format!(
            "[{}] Élection définie : {} ({} bureaux)",
            clock(),
            election.label,
            election.bureaux.len()
        )),
        StatusCode::CONFLICT => say(format!(
            "[{}] Élection déjà présente, la soirée reprend.",
            clock()
        )),
        other => anyhow::bail!("cannot define the demo election: {other} {body}"),
    }
    if let Some(geojson) = script.contours {
        let resp = client
            .http
            .put(format!(
                "{}/api/elections/{}/contours",
                client.base, election.id
            ))
            .bearer_auth(&client.token)
            .header("content-type", "application/geo+json")
            .body(geojson)
            .send()
            .await
            .context("importing the contours")?;
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            anyhow::bail!("cannot import the demo contours: {status} {body}");
        }
        say(format!(
            "[{}] Contours des bureaux importés : la carte est en ligne.",
            clock()
        ));
    }

    let mut rng = SplitMix::new(script.seed);
    let mut order: Vec<usize> = (0..election.bureaux.len()).collect();
    for i in (1..order.len()).rev() {
        let j = usize::try_from(rng.between(0, i as u64)).unwrap_or(0);
        order.swap(i, j);
    }
    let pvs: Vec<ProcesVerbal> = election
        .bureaux
        .iter()
        .enumerate()
        .map(|(i, b)| sample_pv(&election, b, script.seed.wrapping_add(i as u64)))
        .collect();

    // Steps: two turnout rounds, every bureau, one refused PV and its correction.
    let steps = election.bureaux.len() as u32 + 4;
    let pause = script.duration / steps;
    let id = &election.id;

    for hour_index in 0..election.turnout_hours.len() {
        let hour = &election.turnout_hours[hour_index];
        for (i, b) in election.bureaux.iter().enumerate() {
            let readings = sample_turnout(&election, &pvs[i], script.seed.wrapping_add(i as u64));
            let upto: Vec<_> = readings.into_iter().take(hour_index + 1).collect();
            let (status, body) = client
                .send(
                    reqwest::Method::PUT,
                    &format!("/api/elections/{id}/bureaux/{}/turnout", b.code),
                    &json!({ "turnout": upto }),
                )
                .await?;
            if !status.is_success() {
                anyhow::bail!("turnout of bureau {} refused: {status} {body}", b.code);
            }
        }
        say(format!(
            "[{}] Participation de {hour} saisie pour les {} bureaux",
            clock(),
            election.bureaux.len()
        ));
        tokio::time::sleep(pause).await;
    }

    // The third bureau to arrive sends a PV whose voix do not add up.
    let faulty = order.get(2).copied();
    for (n, &i) in order.iter().enumerate() {
        let b = &election.bureaux[i];
        let path = format!("/api/elections/{id}/bureaux/{}/pv", b.code);
        let mut pv = pvs[i].clone();
        pv.turnout = sample_turnout(&election, &pv, script.seed.wrapping_add(i as u64));
        if Some(i) == faulty {
            let mut wrong = pv.clone();
            if let Some(v) = wrong.voix.first_mut() {
                v.voix += 10;
            }
            let (status, body) = client
                .send(reqwest::Method::PUT, &path, &pv_json(&wrong))
                .await?;
            if status != StatusCode::UNPROCESSABLE_ENTITY {
                anyhow::bail!(
                    "the inconsistent PV of bureau {} was not refused: {status} {body}",
                    b.code
                );
            }
            outcome.refused += 1;
            say(format!(
                "[{}] {} : procès-verbal REFUSÉ (422)",
                clock(),
                b.name
            ));
            for v in body["violations"].as_array().into_iter().flatten() {
                say(format!(
                    "           {} [{}] : {}",
                    v["field"].as_str().unwrap_or(""),
                    v["rule"].as_str().unwrap_or(""),
                    v["message"].as_str().unwrap_or("")
                ));
            }
            tokio::time::sleep(pause).await;
            say(format!(
                "[{}] {} : le président corrige la saisie",
                clock(),
                b.name
            ));
            outcome.corrected += 1;
        }
        let (status, body) = client
            .send(reqwest::Method::PUT, &path, &pv_json(&pv))
            .await?;
        if !status.is_success() {
            anyhow::bail!("PV of bureau {} refused: {status} {body}", b.code);
        }
        outcome.accepted += 1;
        // The desk checks the sheet, validates and publishes it.
        for action in ["validate", "publish"] {
            let (status, body) = client
                .send(
                    reqwest::Method::POST,
                    &format!("/api/elections/{id}/bureaux/{}/{action}", b.code),
                    &json!({}),
                )
                .await?;
            if !status.is_success() {
                anyhow::bail!("{action} of bureau {} refused: {status} {body}", b.code);
            }
        }
        let part = body["results"]["rates"]["participation"]
            .as_f64()
            .unwrap_or(0.0);
        say(format!(
            "[{}] {:>2}/{} {} : {} votants, participation {} %",
            clock(),
            n + 1,
            election.bureaux.len(),
            b.name,
            pv.votants,
            format!("{part:.2}").replace('.', ",")
        ));
        tokio::time::sleep(pause).await;
    }
    Ok(outcome)
}

//! The demo commune's staffed scrutin (openScrutin): the 33 élus of the
//! council in the order of the tableau, municipal agents, electors who
//! applied as assesseurs, two time slots and the dépouillement, and every
//! bureau of the election staffed for each slot — présidents by the R43
//! order (the 34th bureau, beyond the 33 élus, by a designated elector,
//! with the reason), assesseurs from the retained applications, agents as
//! secrétaires. Everything goes through the module's JSON API, so the
//! engine's checks and the audit log apply as to any user's entries; the
//! demo and the end-to-end tests share it.

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// The staffed scrutin's summary.
#[derive(Debug, Clone, Default)]
pub struct Staffed {
    pub scrutin: i64,
    /// Slot ids: morning, afternoon (the dépouillement is the third).
    pub slots: Vec<i64>,
    pub affectations: usize,
    pub applications: usize,
}

const NOMS: [&str; 40] = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
];
const PRENOMS: [&str; 24] = [
    "Marie",
    "Jean",
    "Nathalie",
    "Philippe",
    "Isabelle",
    "Michel",
    "Sylvie",
    "Alain",
    "Catherine",
    "Patrick",
    "Françoise",
    "Nicolas",
    "Sandrine",
    "Christophe",
    "Valérie",
    "Stéphane",
    "Céline",
    "Laurent",
    "Aurélie",
    "Éric",
    "Camille",
    "Julien",
    "Léa",
    "Hugo",
];

fn name(i: usize) -> (String, String) {
    (
        NOMS[i % NOMS.len()].to_string(),
        PRENOMS[(i * 7 + i / NOMS.len()) % PRENOMS.len()].to_string(),
    )
}

struct Api<'a> {
    http: reqwest::Client,
    base: &'a str,
    token: &'a str,
}

impl Api<'_> {
    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let r = self
            .http
            .post(format!("{}/api/m/scrutin/{path}", self.base))
            .bearer_auth(self.token)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = r.status();
        let b: Value = r.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("POST {path}: {status} {b}");
        }
        Ok(b)
    }

    async fn create(&self, entity: &str, body: Value) -> anyhow::Result<i64> {
        let b = self.post(entity, body).await?;
        b["id"]
            .as_i64()
            .with_context(|| format!("{entity}: no id in {b}"))
    }
}

/// Staffs every bureau of `election` (id, bureau codes) for its first
/// tour, through the API at `base` with the API `token`.
pub async fn staff(
    base: &str,
    token: &str,
    election: &str,
    bureaux: &[String],
) -> anyhow::Result<Staffed> {
    let api = Api {
        http: reqwest::Client::new(),
        base,
        token,
    };
    let scrutin = api
        .create(
            "scrutin",
            json!({"libelle": "Élection présidentielle 2027", "date_tour1": "2027-04-11", "date_tour2": "2027-04-25", "election_tour1": election}),
        )
        .await?;
    let poste = |code: &str, libelle: &str, nature: &str, rate: Option<&str>| json!({"code": code, "libelle": libelle, "nature": nature, "remunere": rate.is_some(), "taux_horaire": rate});
    let president = api
        .create("poste", poste("PRES", "Président", "president", None))
        .await?;
    let assesseur = api
        .create("poste", poste("ASS", "Assesseur", "assesseur", None))
        .await?;
    let secretaire = api
        .create(
            "poste",
            poste("SEC", "Secrétaire (agent)", "secretaire", Some("16.50")),
        )
        .await?;
    api.create(
        "poste",
        poste("PLANTON", "Planton (agent)", "planton", Some("14.20")),
    )
    .await?;
    let mut slots = Vec::new();
    for (libelle, debut, fin, dep) in [
        ("Matin", "08:00", "13:00", false),
        ("Après-midi", "13:00", "19:00", false),
        ("Dépouillement", "19:00", "21:30", true),
    ] {
        slots.push(
            api.create(
                "creneau",
                json!({"scrutin": scrutin, "tour": "1", "libelle": libelle, "debut": debut, "fin": fin, "depouillement": dep}),
            )
            .await?,
        );
    }
    // The council: the maire, 9 adjoints, 23 conseillers, by rank.
    let mut elus = Vec::new();
    for rang in 1..=33usize {
        let (nom, prenom) = name(rang);
        let fonction = match rang {
            1 => "maire",
            2..=10 => "adjoint",
            _ => "conseiller",
        };
        elus.push(
            api.create(
                "personne",
                json!({"nom": nom, "prenom": prenom, "qualite": "elu", "fonction_elu": fonction, "rang_tableau": rang,
                       "adresse": format!("{} rue de la Mairie\n{:05} Exempleville", rang, 99000)}),
            )
            .await?,
        );
    }
    let mut agents = Vec::new();
    for i in 0..bureaux.len() {
        let (nom, prenom) = name(100 + i);
        agents.push(
            api.create(
                "personne",
                json!({"nom": nom, "prenom": prenom, "qualite": "agent", "service": if i % 2 == 0 { "État civil" } else { "Services techniques" }}),
            )
            .await?,
        );
    }
    // Electors: two assesseurs per bureau and slot (the same two all day),
    // plus one designated to preside the bureaux beyond the élus.
    let mut applications = 0;
    let mut assessors = Vec::new();
    for (i, code) in bureaux.iter().enumerate() {
        for k in 0..2 {
            let (nom, prenom) = name(200 + 2 * i + k);
            let person = api
                .create(
                    "personne",
                    json!({"nom": nom, "prenom": prenom, "qualite": "electeur", "courriel": format!("assesseur{}@exemple.fr", 2 * i + k)}),
                )
                .await?;
            let app = api
                .create(
                    "candidature",
                    json!({"personne": person, "poste": assesseur, "bureau": code}),
                )
                .await?;
            applications += 1;
            let r = api
                .http
                .post(format!(
                    "{base}/api/m/scrutin/candidature/{app}/actions/retenir"
                ))
                .bearer_auth(token)
                .header("if-match", "\"1\"")
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("retenir {app}: {}", r.status());
            }
            assessors.push((code.clone(), person));
        }
    }
    let mut affectations = 0;
    let assign = |person: i64, code: &str, poste: i64, slot: i64, motif: Option<&str>| json!({"scrutin": scrutin, "personne": person, "bureau": code, "poste": poste, "creneau": slot, "motif_derogation": motif});
    for (i, code) in bureaux.iter().enumerate() {
        let (chair, motif) = match elus.get(i) {
            Some(e) => (*e, None),
            None => {
                let (nom, prenom) = name(900 + i);
                let designated = api
                    .create(
                        "personne",
                        json!({"nom": nom, "prenom": prenom, "qualite": "electeur"}),
                    )
                    .await?;
                (
                    designated,
                    Some(
                        "électeur désigné par le maire : tous les élus président déjà un bureau (R43)",
                    ),
                )
            }
        };
        for &slot in &slots {
            api.create("affectation", assign(chair, code, president, slot, motif))
                .await?;
            api.create(
                "affectation",
                assign(agents[i], code, secretaire, slot, None),
            )
            .await?;
            for (_, person) in assessors.iter().filter(|(c, _)| c == code) {
                api.create("affectation", assign(*person, code, assesseur, slot, None))
                    .await?;
                affectations += 1;
            }
            affectations += 2;
        }
    }
    Ok(Staffed {
        scrutin,
        slots,
        affectations,
        applications,
    })
}

//! The `<head>` every Urne page shares, written once: the public pages, the
//! big screen, the kiosk's touch home and the desk's screens all start
//! with the same charset, viewport, title and main stylesheet, and add
//! their own metadata and links.

use maud::{Markup, html};

/// An embedded asset's address with its cache-busting version.
pub fn asset_url(name: &str) -> String {
    format!("/assets/{name}?v={}", crate::assets::version(name))
}

/// The `<head>` element: `meta` goes before the title (e.g. `robots`),
/// `links` after the main stylesheet (other stylesheets, scripts).
pub fn head(title: &str, meta: Markup, links: Markup) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            (meta)
            title { (title) }
            link rel="stylesheet" href=(asset_url("urne.css"));
            (links)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_head_for_every_page() {
        let h = head(
            "Résultats",
            html! {},
            html! { script src="/assets/x.js" {} },
        )
        .into_string();
        assert!(h.starts_with("<head><meta charset=\"utf-8\">"), "{h}");
        assert!(h.contains("<title>Résultats</title>"));
        assert!(h.contains(&format!("href=\"{}\"", asset_url("urne.css"))));
        assert!(
            h.ends_with("<script src=\"/assets/x.js\"></script></head>"),
            "{h}"
        );
    }
}

//! `urne-kiosk`: the results terminal. For now only the crate skeleton; the
//! mirror, local display and offline resilience come with the kiosk issue.

fn main() {
    eprintln!("urne-kiosk: not yet available in this version of Urne");
    std::process::exit(2);
}

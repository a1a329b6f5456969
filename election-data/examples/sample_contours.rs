//! Writes the sample commune's generated contours to
//! `election-data/fixtures/sample-contours.geojson` (the shipped fixture).

fn main() -> std::io::Result<()> {
    let e = election_data::fixtures::sample_commune();
    let text = election_data::map::generate::contours(&e, 7);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/sample-contours.geojson"
    );
    std::fs::write(path, text)?;
    println!("{path}");
    Ok(())
}

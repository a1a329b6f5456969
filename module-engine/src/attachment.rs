//! Files attached to a record (openCourrier's pièces jointes, a scan of a
//! concession's act): what an entity accepts ([`Attachments`], declared
//! with [`crate::Entity::attachments`]) and the check of one uploaded file.
//!
//! A file's type is read from its **content** (its magic number, by the
//! `infer` crate; text as valid UTF-8), never from its name or from what
//! the browser declares: a `.pdf` that is a PNG is refused, and so is a
//! file whose name's extension contradicts its content. The SHA-256 of the
//! bytes is kept with the file, so that a copy handed out can be checked
//! against the one stored. Pure: the server stores and serves the bytes.

use sha2::{Digest, Sha256};

use crate::FieldError;

/// What files an entity's records may carry.
#[derive(Debug, Clone)]
pub struct Attachments {
    /// Largest file accepted, in bytes.
    pub max_bytes: usize,
    /// Media types accepted, as the content shows them.
    pub types: Vec<&'static str>,
    /// Roles that may download a file: reading the record is not enough.
    pub download: Vec<&'static str>,
}

/// The types a town hall's mail usually comes in: PDF, images, office
/// documents (OpenDocument and OOXML) and plain text.
pub const OFFICE_TYPES: [&str; 10] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/plain",
    "message/rfc822",
];

/// A file that passed the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The file name as given, without any folder.
    pub file_name: String,
    pub media_type: &'static str,
    pub size: usize,
    /// SHA-256 of the bytes, lowercase hexadecimal.
    pub sha256: String,
}

/// The media type of `bytes` by their content, if known.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if let Some(t) = infer::get(bytes) {
        return Some(t.mime_type());
    }
    // An e-mail saved as .eml: headers first.
    let head = &bytes[..bytes.len().min(2048)];
    let text = std::str::from_utf8(bytes).is_ok();
    if text
        && ["From:", "Received:", "Return-Path:", "MIME-Version:"]
            .iter()
            .any(|h| head.starts_with(h.as_bytes()))
    {
        return Some("message/rfc822");
    }
    // Plain text: valid UTF-8 without control characters but tabs and newlines.
    (text
        && !bytes.is_empty()
        && !bytes
            .iter()
            .any(|b| *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)))
    .then_some("text/plain")
}

/// The extensions a name may have for a media type.
fn extensions(media_type: &str) -> &'static [&'static str] {
    match media_type {
        "application/pdf" => &["pdf"],
        "image/png" => &["png"],
        "image/jpeg" => &["jpg", "jpeg", "jpe"],
        "image/tiff" => &["tif", "tiff"],
        "image/gif" => &["gif"],
        "application/vnd.oasis.opendocument.text" => &["odt"],
        "application/vnd.oasis.opendocument.spreadsheet" => &["ods"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => &["docx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => &["xlsx"],
        "text/plain" => &["txt", "csv", "text", "md"],
        "message/rfc822" => &["eml"],
        _ => &[],
    }
}

/// The last part of a path as a browser or a client may send it
/// (`C:\Users\x\lettre.pdf` → `lettre.pdf`).
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name).trim()
}

fn size_fr(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} Mo", bytes as f64 / 1_048_576.0).replace('.', ",")
    } else if bytes >= 1024 {
        format!("{} Ko", bytes.div_ceil(1024))
    } else {
        format!("{bytes} octets")
    }
}

/// Checks one uploaded file against what the entity accepts: every
/// problem as a [`FieldError`] of the field `fichier`.
pub fn check(a: &Attachments, file_name: &str, bytes: &[u8]) -> Result<Checked, Vec<FieldError>> {
    let err = |rule: &'static str, message: String| FieldError {
        field: "fichier".into(),
        rule,
        message,
    };
    let name = base_name(file_name);
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().any(char::is_control) || name.len() > 255 {
        errors.push(err(
            "file_name",
            "nom de fichier absent ou invalide (255 caractères au plus, sans caractère de contrôle)"
                .into(),
        ));
    }
    if bytes.is_empty() {
        errors.push(err("empty", "le fichier est vide".into()));
        return Err(errors);
    }
    if bytes.len() > a.max_bytes {
        errors.push(err(
            "max_size",
            format!(
                "le fichier fait {}, au-delà de la limite de {}",
                size_fr(bytes.len()),
                size_fr(a.max_bytes)
            ),
        ));
        return Err(errors);
    }
    let Some(media_type) = sniff(bytes) else {
        errors.push(err(
            "file_type",
            "le contenu du fichier n'est d'aucun type reconnu (PDF, image, document bureautique, texte)".into(),
        ));
        return Err(errors);
    };
    if !a.types.contains(&media_type) {
        errors.push(err(
            "file_type",
            format!("le contenu du fichier est de type {media_type}, qui n'est pas accepté ici"),
        ));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let allowed = extensions(media_type);
    if !ext.is_empty() && !allowed.is_empty() && !allowed.contains(&ext.as_str()) {
        errors.push(err(
            "file_type",
            format!(
                "le nom se termine par « .{ext} » mais le contenu est de type {media_type} (.{} attendu)",
                allowed.first().copied().unwrap_or("")
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let sha256 = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Checked {
        file_name: name.to_string(),
        media_type,
        size: bytes.len(),
        sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts() -> Attachments {
        Attachments {
            max_bytes: 1000,
            types: OFFICE_TYPES.to_vec(),
            download: vec!["admin"],
        }
    }

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

    fn rules(r: Result<Checked, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| format!("{}: {}", e.rule, e.message))
            .collect()
    }

    #[test]
    fn a_pdf_is_accepted_with_its_hash() {
        let c = check(&accepts(), "C:\\Courrier\\lettre.PDF", PDF).expect("accepted");
        assert_eq!(c.file_name, "lettre.PDF");
        assert_eq!(c.media_type, "application/pdf");
        assert_eq!(c.size, PDF.len());
        assert_eq!(c.sha256.len(), 64);
        assert_eq!(
            check(&accepts(), "a.txt", b"abc").map(|c| c.sha256),
            Ok("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_string())
        );
    }

    #[test]
    fn the_content_decides_not_the_name() {
        let e = rules(check(&accepts(), "scan.pdf", PNG));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("« .pdf » mais le contenu est de type image/png (.png attendu)"),
            "{e:?}"
        );
        assert!(
            check(&accepts(), "scan", PNG).is_ok(),
            "no extension: the content says"
        );
        let e = rules(check(&accepts(), "x.bin", b"\x00\x01\x02\x03\x04"));
        assert!(
            e[0].starts_with("file_type: le contenu du fichier n'est d'aucun type"),
            "{e:?}"
        );
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        let e = rules(check(&accepts(), "x.gif", gif));
        assert!(e[0].contains("image/gif, qui n'est pas accepté"), "{e:?}");
    }

    #[test]
    fn sizes_are_bounded_and_named() {
        let a = accepts();
        let exactly = vec![b'a'; 1000];
        assert!(
            check(&a, "note.txt", &exactly).is_ok(),
            "the limit itself is accepted"
        );
        let over = vec![b'a'; 1001];
        let e = rules(check(&a, "note.txt", &over));
        assert_eq!(
            e,
            vec!["max_size: le fichier fait 1001 octets, au-delà de la limite de 1000 octets"]
        );
        let e = rules(check(&a, "note.txt", b""));
        assert_eq!(e, vec!["empty: le fichier est vide"]);
        let e = rules(check(&a, "", b"abc"));
        assert!(e[0].starts_with("file_name:"), "{e:?}");
    }

    #[test]
    fn mail_and_text_are_told_apart() {
        assert_eq!(
            sniff(b"From: a@b.fr\r\nSubject: x\r\n\r\nbody"),
            Some("message/rfc822")
        );
        assert_eq!(
            sniff("Objet : demande d'état civil\n".as_bytes()),
            Some("text/plain")
        );
        assert_eq!(sniff(b"\xff\xfe\x00"), None);
    }
}

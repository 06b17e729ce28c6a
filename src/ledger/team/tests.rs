use super::*;

fn head(seq: u64, c: char) -> Head {
    Head {
        seq,
        hash: c.to_string().repeat(64),
    }
}

#[test]
fn the_seal_digest_is_over_the_sorted_head_lines() {
    let heads = vec![
        ("bob".to_string(), head(4, 'b')),
        ("alice".to_string(), head(0, 'a')),
    ];
    let text = format!("alice 0 {}\nbob 4 {}\n", "a".repeat(64), "b".repeat(64));
    assert_eq!(
        seal_digest(&heads),
        format::sha256_hex(text.as_bytes())[..32]
    );
    let mut reversed = heads.clone();
    reversed.reverse();
    assert_eq!(seal_digest(&reversed), seal_digest(&heads));
    assert_ne!(
        seal_digest(&[("alice".to_string(), head(1, 'a'))]),
        seal_digest(&[("alice".to_string(), head(0, 'a'))])
    );
}

#[test]
fn a_seal_payload_reads_back_and_its_digest_is_checked() {
    let heads = vec![("alice".to_string(), head(2, 'a'))];
    let digest = seal_digest(&heads);
    let payload = seal_payload(&heads, &digest);
    assert_eq!(seal_heads(&payload), Some(Ok(heads.clone())));
    let forged = seal_payload(&heads, "0123456789abcdef0123456789abcdef");
    assert!(matches!(seal_heads(&forged), Some(Err(_))));
    let note = Payload::Note(crate::journal::Note {
        text: "x".into(),
        step: None,
    });
    assert_eq!(seal_heads(&note), None);
}

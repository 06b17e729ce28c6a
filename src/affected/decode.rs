//! The text encoding of an export: found from its first bytes, then decoded to UTF-8 as the
//! file streams through, so that the CSV reader only ever sees UTF-8.
//!
//! UTF-8 (with or without a byte-order mark) passes through untouched; Excel's UTF-16 (little
//! or big endian, always with a byte-order mark) and Latin-1 are decoded with `encoding_rs`.
//! Latin-1 is used only when asked for, or when the start of the file is clearly Latin-1
//! (not UTF-8, no NUL bytes and no C1 control bytes, which Latin-1 text never contains).

use std::io::{self, Read};

use serde::Serialize;

/// How the operator asked the file to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingChoice {
    /// From the byte-order mark, else UTF-8, else clearly Latin-1, else refused.
    #[default]
    Auto,
    Utf8,
    Latin1,
}

/// The encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Latin1,
}

impl Encoding {
    /// The name shown to the operator.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with a byte-order mark",
            Encoding::Utf16Le => "UTF-16 little endian",
            Encoding::Utf16Be => "UTF-16 big endian",
            Encoding::Latin1 => "Latin-1",
        }
    }
}

/// Why a file's encoding is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodingError {
    #[error(
        "the file looks like UTF-16 without a byte-order mark; save it again as UTF-8 (or \
         \"Unicode text\" with a byte-order mark)"
    )]
    Utf16WithoutBom,
    #[error(
        "the file is neither UTF-8 nor clearly Latin-1 (first bad byte at offset {offset}); \
         save it as UTF-8, or pass --encoding latin1 if it is Latin-1"
    )]
    Unknown { offset: usize },
}

/// How many bytes are looked at to decide.
const SNIFF: usize = 64 * 1024;

/// The encoding found, and a reader of the file's text as UTF-8.
pub type Opened = (Encoding, Box<dyn Read>);

/// Reads the first bytes of `input`, decides the encoding and returns a reader of UTF-8.
/// The outer error is reading the file; the inner one refuses its encoding.
pub fn open<R: Read + 'static>(
    mut input: R,
    choice: EncodingChoice,
) -> io::Result<Result<Opened, EncodingError>> {
    let mut head = Vec::with_capacity(SNIFF);
    (&mut input).take(SNIFF as u64).read_to_end(&mut head)?;
    let (encoding, skip) = match decide(&head, choice) {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    let rest = io::Cursor::new(head).chain(input);
    let mut rest: Box<dyn Read> = Box::new(rest);
    io::copy(&mut (&mut rest).take(skip as u64), &mut io::sink())?;
    let reader: Box<dyn Read> = match encoding {
        Encoding::Utf8 | Encoding::Utf8Bom => rest,
        Encoding::Utf16Le => Box::new(Decode::new(rest, encoding_rs::UTF_16LE)),
        Encoding::Utf16Be => Box::new(Decode::new(rest, encoding_rs::UTF_16BE)),
        // WHATWG maps the Latin-1 label to windows-1252, which agrees with ISO 8859-1 on every
        // printable byte.
        Encoding::Latin1 => Box::new(Decode::new(rest, encoding_rs::WINDOWS_1252)),
    };
    Ok(Ok((encoding, reader)))
}

/// The encoding of a file starting with `head`, and how many bytes of mark to skip.
pub fn decide(head: &[u8], choice: EncodingChoice) -> Result<(Encoding, usize), EncodingError> {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok((Encoding::Utf8Bom, 3));
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok((Encoding::Utf16Le, 2));
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok((Encoding::Utf16Be, 2));
    }
    match choice {
        EncodingChoice::Latin1 => return Ok((Encoding::Latin1, 0)),
        EncodingChoice::Utf8 => return Ok((Encoding::Utf8, 0)),
        EncodingChoice::Auto => {}
    }
    if head.contains(&0) {
        return Err(EncodingError::Utf16WithoutBom);
    }
    match std::str::from_utf8(head) {
        Ok(_) => Ok((Encoding::Utf8, 0)),
        // A character cut by the end of the sample is not an error.
        Err(e) if e.error_len().is_none() => Ok((Encoding::Utf8, 0)),
        Err(e) => {
            if head.iter().any(|b| (0x80..0xA0).contains(b)) {
                Err(EncodingError::Unknown {
                    offset: e.valid_up_to(),
                })
            } else {
                Ok((Encoding::Latin1, 0))
            }
        }
    }
}

/// A reader that decodes its input to UTF-8 with `encoding_rs`.
struct Decode<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    in_pos: usize,
    in_len: usize,
    eof: bool,
    output: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    done: bool,
}

impl<R: Read> Decode<R> {
    fn new(inner: R, encoding: &'static encoding_rs::Encoding) -> Decode<R> {
        Decode {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024],
            in_pos: 0,
            in_len: 0,
            eof: false,
            output: vec![0; 3 * 64 * 1024 + 16],
            out_pos: 0,
            out_len: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Decode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out_len {
            if self.done {
                return Ok(0);
            }
            if self.in_pos == self.in_len && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_pos = 0;
                self.in_len = n;
                self.eof = n == 0;
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.in_pos..self.in_len],
                &mut self.output,
                self.eof,
            );
            self.in_pos += read;
            self.out_pos = 0;
            self.out_len = written;
            if self.eof && result == encoding_rs::CoderResult::InputEmpty {
                self.done = true;
            }
        }
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(
        bytes: Vec<u8>,
        choice: EncodingChoice,
    ) -> Result<(Encoding, String), EncodingError> {
        let (enc, mut r) = open(io::Cursor::new(bytes), choice).unwrap()?;
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        Ok((enc, s))
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let (e, s) = read_all("Email\nä@x.de\n".into(), EncodingChoice::Auto).unwrap();
        assert_eq!((e, s.as_str()), (Encoding::Utf8, "Email\nä@x.de\n"));
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("Email\n".as_bytes());
        let (e, s) = read_all(b, EncodingChoice::Auto).unwrap();
        assert_eq!((e, s.as_str()), (Encoding::Utf8Bom, "Email\n"));
    }

    #[test]
    fn utf16_both_byte_orders() {
        let text = "Email,Région\nzoë@x.fr,Île-de-France\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(
            read_all(le, EncodingChoice::Auto).unwrap(),
            (Encoding::Utf16Le, text.to_string())
        );
        assert_eq!(
            read_all(be, EncodingChoice::Auto).unwrap(),
            (Encoding::Utf16Be, text.to_string())
        );
    }

    #[test]
    fn latin1_detected_or_asked_and_mojibake_refused() {
        let latin1 = b"Name,Land\nJ\xfcrgen,Deutschland\n".to_vec();
        assert_eq!(
            read_all(latin1.clone(), EncodingChoice::Auto).unwrap(),
            (
                Encoding::Latin1,
                "Name,Land\nJürgen,Deutschland\n".to_string()
            )
        );
        assert_eq!(
            read_all(latin1, EncodingChoice::Latin1).unwrap().0,
            Encoding::Latin1
        );
        // 0x80-0x9F are C1 controls in Latin-1: not clearly Latin-1, and not UTF-8.
        let odd = b"Name\n\x93quoted\x94\n".to_vec();
        assert_eq!(
            read_all(odd, EncodingChoice::Auto).unwrap_err(),
            EncodingError::Unknown { offset: 5 }
        );
        let no_bom: Vec<u8> = "Email"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(
            read_all(no_bom, EncodingChoice::Auto).unwrap_err(),
            EncodingError::Utf16WithoutBom
        );
    }

    #[test]
    fn a_long_utf16_file_decodes_across_buffer_edges() {
        let line = "a@b.de,München,Bayern\n";
        let text: String = line.repeat(20_000);
        let mut le = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(read_all(le, EncodingChoice::Auto).unwrap().1, text);
    }
}

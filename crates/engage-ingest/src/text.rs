//! CSV and TSV in the encodings Japanese offices produce: UTF-8 (with or without BOM),
//! CP932/Windows-31J as Excel saves "CSV" on Japanese Windows, and UTF-16 with BOM as Excel's
//! "Unicode text". The file is decoded while it streams, so memory does not grow with it.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use encoding_rs::{DecoderResult, Encoding, SHIFT_JIS, UTF_16BE, UTF_16LE, UTF_8};
use engage_model::TextEncoding;

use crate::source::{Record, RecordSource};
use crate::IngestError;

/// How many bytes are looked at to guess the encoding.
const SNIFF_BYTES: usize = 1 << 20;

/// The encoding of a file and how many BOM bytes to skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub encoding: &'static Encoding,
    pub bom_len: usize,
}

/// Picks the encoding from the first bytes: a BOM decides; otherwise UTF-8 if they are valid
/// UTF-8, else CP932 if they decode as CP932. `forced` overrides the guess (a BOM is still
/// skipped). Returns `None` when the bytes are neither.
pub fn detect(prefix: &[u8], forced: Option<TextEncoding>) -> Option<Detected> {
    let bom = if prefix.starts_with(b"\xEF\xBB\xBF") {
        Some((UTF_8, 3))
    } else if prefix.starts_with(b"\xFF\xFE") {
        Some((UTF_16LE, 2))
    } else if prefix.starts_with(b"\xFE\xFF") {
        Some((UTF_16BE, 2))
    } else {
        None
    };
    let detected = |encoding, bom_len| Some(Detected { encoding, bom_len });
    match (forced, bom) {
        (Some(TextEncoding::Utf8), Some((e, n))) if e == UTF_8 => detected(UTF_8, n),
        (Some(TextEncoding::Utf8), _) => detected(UTF_8, 0),
        (Some(TextEncoding::Cp932), _) => detected(SHIFT_JIS, 0),
        (Some(TextEncoding::Utf16), Some((e, n))) if e != UTF_8 => detected(e, n),
        // UTF-16 without a BOM: Excel writes little-endian.
        (Some(TextEncoding::Utf16), _) => detected(UTF_16LE, 0),
        (None, Some((e, n))) => detected(e, n),
        (None, None) => {
            // Valid UTF-8 with non-ASCII text before the first bad byte is a UTF-8 file with
            // a foreign section (a pasted CP932 block): read it as UTF-8 so the bad row is
            // reported, rather than garbling every Japanese cell as CP932.
            let valid = match std::str::from_utf8(prefix) {
                Ok(_) => prefix.len(),
                Err(e) => e.valid_up_to(),
            };
            if let Some(utf16) = utf16_without_bom(prefix) {
                detected(utf16, 0)
            } else if is_utf8_prefix(prefix) || !prefix[..valid].is_ascii() {
                detected(UTF_8, 0)
            } else if decodes_cleanly(SHIFT_JIS, prefix) {
                detected(SHIFT_JIS, 0)
            } else {
                // Neither decodes the whole window: a file saved in one encoding and appended
                // to in another. The one that reads further, past the header line at least, is
                // the file's, so that the reader stops at the row where the other begins and
                // names it. Bytes that are neither from the first line on, or that hold control
                // characters (binary data), are not text.
                let cp932 = clean_prefix_len(SHIFT_JIS, prefix);
                let text_line = |len: usize| {
                    let part = &prefix[..len];
                    part.contains(&b'\n')
                        && !part.iter().any(|&b| {
                            (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F
                        })
                };
                if cp932 > valid && text_line(cp932) {
                    detected(SHIFT_JIS, 0)
                } else if valid > cp932 && text_line(valid) {
                    detected(UTF_8, 0)
                } else {
                    None
                }
            }
        }
    }
}

/// UTF-16 saved without a BOM: Latin and digits leave a NUL in every other byte, which no
/// real CSV has. Returns the byte order if at least a third of one parity is NUL.
fn utf16_without_bom(prefix: &[u8]) -> Option<&'static Encoding> {
    let n = prefix.len() / 2;
    if n < 2 {
        return None;
    }
    let nul_at = |parity: usize| {
        prefix
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    if nul_at(1) * 3 >= n && nul_at(0) * 3 < n {
        Some(UTF_16LE)
    } else if nul_at(0) * 3 >= n && nul_at(1) * 3 < n {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Valid UTF-8, allowing a character cut off at the end of the sniffed bytes.
fn is_utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4,
    }
}

/// How many leading bytes decode without error.
fn clean_prefix_len(encoding: &'static Encoding, bytes: &[u8]) -> usize {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = vec![0u8; decoder.max_utf8_buffer_length(bytes.len()).unwrap_or(0)];
    let (result, read, _) = decoder.decode_to_utf8_without_replacement(bytes, &mut out, false);
    match result {
        // `read` counts the malformed bytes too.
        DecoderResult::Malformed(bad, after) => read - usize::from(bad) - usize::from(after),
        _ => read,
    }
}

fn decodes_cleanly(encoding: &'static Encoding, bytes: &[u8]) -> bool {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = vec![0u8; decoder.max_utf8_buffer_length(bytes.len()).unwrap_or(0)];
    // `last = false`: a double-byte character cut off by the sniff window is not an error.
    let (result, _, _) = decoder.decode_to_utf8_without_replacement(bytes, &mut out, false);
    matches!(result, DecoderResult::InputEmpty)
}

/// The encoding's name as people know it.
pub fn encoding_name(encoding: &'static Encoding) -> &'static str {
    if encoding == SHIFT_JIS {
        "cp932"
    } else {
        match encoding.name() {
            "UTF-8" => "utf-8",
            "UTF-16LE" => "utf-16le",
            "UTF-16BE" => "utf-16be",
            other => other,
        }
    }
}

/// Turns a byte stream in some encoding into UTF-8, failing (not replacing) on bytes that are
/// not valid in that encoding, so a file that mixes encodings is reported, not garbled.
pub struct DecodingReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: &'static Encoding,
    input: Vec<u8>,
    input_start: usize,
    input_end: usize,
    output: Vec<u8>,
    output_start: usize,
    output_end: usize,
    eof: bool,
    done: bool,
    /// Bytes consumed so far, to say where a bad byte is.
    consumed: u64,
    /// A decoding error, returned once the text decoded before it has been read, so that
    /// the CSV reader fails on the record that holds the bad bytes.
    pending: Option<String>,
    /// Last byte handed out; the text always ends with a newline, so that every record is
    /// terminated and line counting stays exact.
    last: Option<u8>,
    newline_added: bool,
    /// The line terminator appended at the end if the text lacks one.
    pub final_byte: u8,
}

impl<R: Read> DecodingReader<R> {
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        DecodingReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            encoding,
            input: vec![0; 64 * 1024],
            input_start: 0,
            input_end: 0,
            output: vec![0; 3 * 64 * 1024 + 16],
            output_start: 0,
            output_end: 0,
            eof: false,
            done: false,
            consumed: 0,
            pending: None,
            last: None,
            newline_added: false,
            final_byte: b'\n',
        }
    }

    fn refill(&mut self) -> std::io::Result<()> {
        while self.output_start == self.output_end && !self.done && self.pending.is_none() {
            if self.input_start == self.input_end && !self.eof {
                self.input_start = 0;
                self.input_end = 0;
                let n = self.inner.read(&mut self.input)?;
                self.input_end = n;
                self.eof = n == 0;
            }
            let src = &self.input[self.input_start..self.input_end];
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(src, &mut self.output, self.eof);
            self.input_start += read;
            self.consumed += read as u64;
            self.output_start = 0;
            self.output_end = written;
            match result {
                DecoderResult::InputEmpty => self.done = self.eof,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(_, _) => {
                    self.pending = Some(format!(
                        "bytes near offset {} are not valid {} (does the file mix encodings?)",
                        self.consumed,
                        encoding_name(self.encoding)
                    ));
                }
            }
        }
        if self.output_start < self.output_end {
            return Ok(());
        }
        if let Some(message) = self.pending.take() {
            self.done = true;
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                message,
            ));
        }
        if self.done && !self.newline_added && self.last.is_some_and(|b| b != self.final_byte) {
            self.newline_added = true;
            self.output[0] = self.final_byte;
            self.output_start = 0;
            self.output_end = 1;
        }
        Ok(())
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.refill()?;
        let n = buf.len().min(self.output_end - self.output_start);
        buf[..n].copy_from_slice(&self.output[self.output_start..self.output_start + n]);
        self.output_start += n;
        if n > 0 {
            self.last = Some(buf[n - 1]);
        }
        Ok(n)
    }
}

/// The delimiter that splits the header line most often, outside quotes: `,`, tab or `;`.
pub fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in first_line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            b'\n' if !quoted => break,
            _ => {}
        }
    }
    let candidates = [b',', b'\t', b';'];
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

type Decoded = BufReader<DecodingReader<BufReader<File>>>;

pub struct TextSource {
    path: PathBuf,
    reader: csv::Reader<Decoded>,
    header: Vec<String>,
    header_row: usize,
    raw: csv::StringRecord,
    /// Spreadsheet row of the next record if no blank line comes first.
    next_row: usize,
    /// The reader's line count after the previous record.
    last_line: u64,
    description: String,
}

impl TextSource {
    pub fn open(
        path: &Path,
        forced: Option<TextEncoding>,
        delimiter: Option<u8>,
        header_row: usize,
    ) -> Result<TextSource, IngestError> {
        let read_err = |source| IngestError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(read_err)?;
        let mut raw = BufReader::with_capacity(SNIFF_BYTES, file);
        let prefix = raw.fill_buf().map_err(read_err)?.to_vec();
        if prefix.is_empty() {
            return Err(IngestError::Empty {
                path: path.to_path_buf(),
            });
        }
        let detected = detect(&prefix, forced).ok_or_else(|| IngestError::UnknownEncoding {
            path: path.to_path_buf(),
        })?;
        raw.consume(detected.bom_len);
        let mut decoded =
            BufReader::with_capacity(256 * 1024, DecodingReader::new(raw, detected.encoding));
        let first = decoded.fill_buf().map_err(|e| IngestError::Encoding {
            path: path.to_path_buf(),
            row: 1,
            message: e.to_string(),
        })?;
        let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(first));
        // Classic Mac files end lines with CR alone.
        let terminator = if first.contains(&b'\n') || !first.contains(&b'\r') {
            b'\n'
        } else {
            b'\r'
        };
        decoded.get_mut().final_byte = terminator;
        // Records end at LF only (a CR before it is stripped below), so that CRLF blank lines
        // come through as blank records and every consumed line is accounted for.
        let reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(terminator))
            .from_reader(decoded);
        let shown = match delimiter {
            b'\t' => "tab".to_string(),
            d => format!("'{}'", d as char),
        };
        let mut source = TextSource {
            path: path.to_path_buf(),
            reader,
            header: Vec::new(),
            header_row,
            raw: csv::StringRecord::new(),
            next_row: 1,
            last_line: 1,
            description: format!(
                "{}, {}, delimiter {shown}",
                if delimiter == b'\t' { "tsv" } else { "csv" },
                encoding_name(detected.encoding)
            ),
        };
        // Rows above the header (titles, notes) are skipped; the header is the first record
        // at or below `header_row`.
        loop {
            let mut record = Record::default();
            match source.next_record(&mut record)? {
                None => {
                    return Err(IngestError::Empty {
                        path: path.to_path_buf(),
                    })
                }
                Some(row) if row >= header_row => {
                    source.header_row = row;
                    source.header = record.iter().map(str::to_string).collect();
                    return Ok(source);
                }
                Some(_) => {}
            }
        }
    }
}

impl RecordSource for TextSource {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn header_row(&self) -> usize {
        self.header_row
    }

    fn next_record(&mut self, record: &mut Record) -> Result<Option<usize>, IngestError> {
        loop {
            let more = self.reader.read_record(&mut self.raw).map_err(|e| {
                let message = match e.kind() {
                    csv::ErrorKind::Io(io) => io.to_string(),
                    _ => e.to_string(),
                };
                IngestError::Encoding {
                    path: self.path.clone(),
                    row: self.next_row,
                    message,
                }
            })?;
            if !more {
                return Ok(None);
            }
            // The csv reader skips empty lines; spreadsheets show them as rows, so count them
            // to keep row numbers equal to what the analyst sees when opening the file. Every
            // record ends with a newline (the decoder adds a final one), so the lines consumed
            // are the blank lines, the newlines inside quoted fields, and one terminator.
            let line = self.reader.position().line();
            let inner_newlines: u64 = self
                .raw
                .iter()
                .map(|f| f.bytes().filter(|&b| b == b'\n').count() as u64)
                .sum();
            let blank = line.saturating_sub(self.last_line + inner_newlines + 1) as usize;
            self.last_line = line;
            let row = self.next_row + blank;
            self.next_row = row + 1;

            record.clear();
            let last = self.raw.len().saturating_sub(1);
            for (i, field) in self.raw.iter().enumerate() {
                record.push_field(if i == last {
                    field.strip_suffix('\r').unwrap_or(field)
                } else {
                    field
                });
            }
            if record.is_blank() {
                // A row of empty cells (",,,," as Excel saves trailing blank rows).
                continue;
            }
            return Ok(Some(row));
        }
    }

    fn description(&self) -> String {
        self.description.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_bom_then_validity() {
        assert_eq!(detect(b"\xEF\xBB\xBFa,b", None).unwrap().bom_len, 3);
        assert_eq!(detect(b"\xFF\xFEa\0", None).unwrap().encoding, UTF_16LE);
        assert_eq!(
            detect("局区,所属".as_bytes(), None).unwrap().encoding,
            UTF_8
        );
        // 局区 in CP932.
        let (sjis, _, _) = SHIFT_JIS.encode("局区,髙橋,①");
        assert_eq!(detect(&sjis, None).unwrap().encoding, SHIFT_JIS);
        // Neither UTF-8 nor CP932 (0x80 alone, 0xA0 lead bytes).
        assert_eq!(detect(b"\x80\xFF\xFF", None), None);
        // UTF-8 Japanese, then CP932 bytes: UTF-8, so that the bad row is reported.
        let mut mixed = "局区\n".as_bytes().to_vec();
        mixed.extend_from_slice(&sjis);
        assert_eq!(detect(&mixed, None).unwrap().encoding, UTF_8);
        // UTF-16 without BOM, both byte orders.
        let le: Vec<u8> = "Q1,局区"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let be: Vec<u8> = "Q1,局区"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(detect(&le, None).unwrap().encoding, UTF_16LE);
        assert_eq!(detect(&be, None).unwrap().encoding, UTF_16BE);
        // A UTF-8 character cut by the sniff window is still UTF-8.
        let cut = &"局".as_bytes()[..2];
        assert_eq!(detect(cut, None).unwrap().encoding, UTF_8);
    }

    #[test]
    fn decoding_reader_reports_mixed_encodings() {
        let mut bytes = "a,b\n1,2\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"\x83\x41\n"); // CP932 ア inside a UTF-8 file
        let mut out = String::new();
        let err = DecodingReader::new(&bytes[..], UTF_8)
            .read_to_string(&mut out)
            .unwrap_err();
        assert!(err.to_string().contains("not valid utf-8"), "{err}");
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a;b;\"c,d\"\n"), b';');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
    }
}

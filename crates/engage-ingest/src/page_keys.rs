//! Parquet integer columns of few distinct values (answer codes, pick marks) read page by page
//! into one byte a row: a key into the column's table of values, key 0 being the null.
//!
//! Writers store such columns dictionary-encoded: a dictionary page of the five or six values,
//! then data pages of definition levels and dictionary indices, both in Parquet's RLE /
//! bit-packed hybrid encoding. parquet's column reader turns every index into an `i32` and
//! every level into an `i16`; the engine then had to spread the values out to their rows and
//! map them to codes, five passes over every cell. Here the levels and indices are unpacked
//! straight into per-row keys, and deciding a batch is one table lookup a row
//! ([`crate::columnar::decide_ints`]).
//!
//! This path only speeds up what parquet's reader does: anything it does not expect (another
//! encoding, a dictionary of more than 255 values, levels or runs it cannot follow, a damaged
//! page) is [`Unsupported`], and the caller reads the column chunk with parquet's own reader
//! from the row it had reached, so damaged files get parquet's own errors.

use parquet::basic::{Encoding, Type as Physical};
use parquet::column::page::{Page, PageReader};

/// Why a column chunk is left to parquet's own reader (see the module documentation).
#[derive(Debug)]
pub(crate) struct Unsupported;

/// Keys a table holds at most: key 0 for the null, 255 values.
const TABLE_KEYS: usize = 256;

/// One column chunk's pages, decoded into keys as they are asked for.
pub(crate) struct PageKeys {
    pages: Box<dyn PageReader>,
    physical: Physical,
    nullable: bool,
    /// Key → value: `None` at key 0 (the null), then the dictionary's values, then values
    /// met on plain pages.
    table: Vec<Option<i64>>,
    /// Values of the dictionary page; dictionary index `i` is key `i + 1`.
    dictionary_len: Option<usize>,
    /// Keys decoded from the last page and not yet handed out, from `pending_at`.
    pending: Vec<u8>,
    pending_at: usize,
    indices: Vec<u8>,
}

impl PageKeys {
    /// `physical` is INT32 or INT64; `nullable` whether the column's maximum definition level
    /// is 1 (it is 0 otherwise: a column with repetition never comes here).
    pub fn new(pages: Box<dyn PageReader>, physical: Physical, nullable: bool) -> Self {
        PageKeys {
            pages,
            physical,
            nullable,
            table: vec![None],
            dictionary_len: None,
            pending: Vec::new(),
            pending_at: 0,
            indices: Vec::new(),
        }
    }

    /// Key → value so far (key 0 is the null): every key handed out indexes it.
    pub fn table(&self) -> &[Option<i64>] {
        &self.table
    }

    /// The next `rows` rows' keys; `Ok(None)` if the chunk has fewer rows left.
    pub fn read(&mut self, rows: usize) -> Result<Option<Vec<u8>>, Unsupported> {
        let mut out = Vec::with_capacity(rows);
        loop {
            let left = &self.pending[self.pending_at..];
            let take = left.len().min(rows - out.len());
            out.extend_from_slice(&left[..take]);
            self.pending_at += take;
            if out.len() == rows {
                return Ok(Some(out));
            }
            if !self.next_page()? {
                return Ok(None);
            }
        }
    }

    /// Decodes the next data page into `pending`; false at the end of the chunk.
    fn next_page(&mut self) -> Result<bool, Unsupported> {
        loop {
            let page = self.pages.get_next_page().map_err(|_| Unsupported)?;
            let (buf, num_values, encoding, levels, values) = match &page {
                None => return Ok(false),
                Some(Page::DictionaryPage {
                    buf,
                    num_values,
                    encoding,
                    ..
                }) => {
                    self.read_dictionary(buf, *num_values as usize, *encoding)?;
                    continue;
                }
                Some(Page::DataPage {
                    buf,
                    num_values,
                    encoding,
                    def_level_encoding,
                    ..
                }) => {
                    let (levels, values) = if self.nullable {
                        if *def_level_encoding != Encoding::RLE || buf.len() < 4 {
                            return Err(Unsupported);
                        }
                        let len = u32::from_le_bytes(buf[..4].try_into().expect("four bytes"));
                        let end = 4usize.checked_add(len as usize).ok_or(Unsupported)?;
                        if end > buf.len() {
                            return Err(Unsupported);
                        }
                        (Some(4..end), end..buf.len())
                    } else {
                        (None, 0..buf.len())
                    };
                    (buf, *num_values as usize, *encoding, levels, values)
                }
                Some(Page::DataPageV2 {
                    buf,
                    num_values,
                    encoding,
                    def_levels_byte_len,
                    rep_levels_byte_len,
                    ..
                }) => {
                    if *rep_levels_byte_len != 0 {
                        return Err(Unsupported);
                    }
                    let end = *def_levels_byte_len as usize;
                    if end > buf.len() || (!self.nullable && end != 0) {
                        return Err(Unsupported);
                    }
                    let levels = self.nullable.then_some(0..end);
                    (buf, *num_values as usize, *encoding, levels, end..buf.len())
                }
            };
            let buf: &[u8] = buf;
            let levels = levels.map(|levels| &buf[levels]);
            let present = match levels {
                Some(levels) => count_present(levels, num_values)?,
                None => num_values,
            };
            self.decode_values(&buf[values], encoding, present)?;
            self.pending.clear();
            self.pending_at = 0;
            match levels {
                Some(levels) if present < num_values => {
                    spread_keys(levels, num_values, &self.indices, &mut self.pending)?
                }
                _ => self.pending.extend_from_slice(&self.indices),
            }
            return Ok(true);
        }
    }

    fn value_width(&self) -> usize {
        if self.physical == Physical::INT64 {
            8
        } else {
            4
        }
    }

    fn plain_value(&self, bytes: &[u8]) -> i64 {
        match bytes.len() {
            8 => i64::from_le_bytes(bytes.try_into().expect("eight bytes")),
            _ => i64::from(i32::from_le_bytes(bytes.try_into().expect("four bytes"))),
        }
    }

    fn read_dictionary(
        &mut self,
        buf: &[u8],
        num_values: usize,
        encoding: Encoding,
    ) -> Result<(), Unsupported> {
        let plain = matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY);
        let width = self.value_width();
        if !plain
            || self.dictionary_len.is_some()
            || self.table.len() != 1
            || num_values >= TABLE_KEYS
            || buf.len() < num_values * width
        {
            return Err(Unsupported);
        }
        for value in buf[..num_values * width].chunks_exact(width) {
            self.table.push(Some(self.plain_value(value)));
        }
        self.dictionary_len = Some(num_values);
        Ok(())
    }

    /// The page's `present` values as keys, into `indices`.
    fn decode_values(
        &mut self,
        values: &[u8],
        encoding: Encoding,
        present: usize,
    ) -> Result<(), Unsupported> {
        self.indices.clear();
        match encoding {
            Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY => {
                let dictionary_len = self.dictionary_len.ok_or(Unsupported)?;
                let (&bit_width, packed) = values.split_first().ok_or(Unsupported)?;
                if bit_width > 8 {
                    return Err(Unsupported);
                }
                decode_hybrid(packed, u32::from(bit_width), present, &mut self.indices)?;
                // Every index within the dictionary; then index `i` is key `i + 1`.
                let largest = self.indices.iter().copied().max().unwrap_or(0);
                if usize::from(largest) >= dictionary_len {
                    return Err(Unsupported);
                }
                for index in &mut self.indices {
                    *index += 1;
                }
            }
            Encoding::PLAIN => {
                let width = self.value_width();
                if values.len() < present * width {
                    return Err(Unsupported);
                }
                for bytes in values[..present * width].chunks_exact(width) {
                    let value = Some(self.plain_value(bytes));
                    let key = match self.table.iter().position(|v| *v == value) {
                        Some(key) => key,
                        None if self.table.len() < TABLE_KEYS => {
                            self.table.push(value);
                            self.table.len() - 1
                        }
                        None => return Err(Unsupported),
                    };
                    self.indices.push(key as u8);
                }
            }
            _ => return Err(Unsupported),
        }
        Ok(())
    }
}

/// One run of Parquet's RLE / bit-packed hybrid encoding, cut to the values still wanted.
enum Run<'a> {
    /// `count` times `value`.
    Repeat { value: u8, count: usize },
    /// `count` values packed least significant bits first, eight to every `bit_width` bytes.
    Packed { bytes: &'a [u8], count: usize },
}

/// The runs of a hybrid-encoded stream of `left` values of `bit_width` (at most 8) bits. A
/// value beyond the width, a run without values or a stream that ends early is
/// [`Unsupported`].
struct Runs<'a> {
    data: &'a [u8],
    bit_width: u32,
    left: usize,
}

impl<'a> Runs<'a> {
    fn new(data: &'a [u8], bit_width: u32, count: usize) -> Self {
        debug_assert!(bit_width <= 8);
        Runs {
            data,
            bit_width,
            left: count,
        }
    }

    fn next_run(&mut self) -> Result<Option<Run<'a>>, Unsupported> {
        if self.left == 0 {
            return Ok(None);
        }
        let header = read_uleb128(&mut self.data)?;
        let width = self.bit_width as usize;
        let run = usize::try_from(header >> 1).map_err(|_| Unsupported)?;
        let run = if header & 1 == 1 {
            let values = run.checked_mul(8).ok_or(Unsupported)?;
            let count = values.min(self.left);
            let needed = (count * width).div_ceil(8);
            if count == 0 || self.data.len() < needed {
                return Err(Unsupported);
            }
            let bytes = &self.data[..needed];
            let run_bytes = run.checked_mul(width).ok_or(Unsupported)?;
            self.data = &self.data[run_bytes.min(self.data.len())..];
            Run::Packed { bytes, count }
        } else {
            let count = run.min(self.left);
            let value_bytes = width.div_ceil(8);
            if count == 0 || self.data.len() < value_bytes {
                return Err(Unsupported);
            }
            let value = if value_bytes == 0 { 0 } else { self.data[0] };
            if self.bit_width < 8 && u32::from(value) >> self.bit_width != 0 {
                return Err(Unsupported);
            }
            self.data = &self.data[value_bytes..];
            Run::Repeat { value, count }
        };
        self.left -= match run {
            Run::Repeat { count, .. } | Run::Packed { count, .. } => count,
        };
        Ok(Some(run))
    }
}

/// Appends exactly `count` values of `bit_width` (at most 8) bits, decoded from the hybrid
/// encoding, to `out`.
fn decode_hybrid(
    data: &[u8],
    bit_width: u32,
    count: usize,
    out: &mut Vec<u8>,
) -> Result<(), Unsupported> {
    out.reserve(count);
    let mut runs = Runs::new(data, bit_width, count);
    while let Some(run) = runs.next_run()? {
        match run {
            Run::Repeat { value, count } => out.resize(out.len() + count, value),
            Run::Packed { bytes, count } => unpack(bytes, bit_width, count, out),
        }
    }
    Ok(())
}

/// Appends the first `count` values packed in `bytes` to `out`, by a loop whose shifts the
/// compiler knows for each width.
fn unpack(bytes: &[u8], bit_width: u32, count: usize, out: &mut Vec<u8>) {
    match bit_width {
        0 => out.resize(out.len() + count, 0),
        1 => unpack_width::<1>(bytes, count, out),
        2 => unpack_width::<2>(bytes, count, out),
        3 => unpack_width::<3>(bytes, count, out),
        4 => unpack_width::<4>(bytes, count, out),
        5 => unpack_width::<5>(bytes, count, out),
        6 => unpack_width::<6>(bytes, count, out),
        7 => unpack_width::<7>(bytes, count, out),
        _ => unpack_width::<8>(bytes, count, out),
    }
}

fn unpack_width<const W: usize>(bytes: &[u8], count: usize, out: &mut Vec<u8>) {
    let end = out.len() + count;
    let mut group = |bytes: &[u8]| {
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        let word = u64::from_le_bytes(word);
        let values: [u8; 8] = std::array::from_fn(|i| ((word >> (i * W)) & ((1 << W) - 1)) as u8);
        out.extend_from_slice(&values);
    };
    let groups = bytes.chunks_exact(W);
    let rest = groups.remainder();
    groups.for_each(&mut group);
    if !rest.is_empty() {
        group(rest);
    }
    out.truncate(end);
}

/// Rows with a value among the `rows` definition levels (bit width 1) of a page.
fn count_present(levels: &[u8], rows: usize) -> Result<usize, Unsupported> {
    let mut runs = Runs::new(levels, 1, rows);
    let mut present = 0;
    while let Some(run) = runs.next_run()? {
        present += match run {
            Run::Repeat { value, count } => usize::from(value) * count,
            Run::Packed { bytes, count } => packed_ones(bytes, count),
        };
    }
    Ok(present)
}

/// Ones among the first `count` bits of `bytes`.
fn packed_ones(bytes: &[u8], count: usize) -> usize {
    let full = count / 8;
    let ones: u32 = bytes[..full].iter().map(|b| b.count_ones()).sum();
    let last = match count % 8 {
        0 => 0,
        bits => (bytes[full] & ((1u8 << bits) - 1)).count_ones(),
    };
    (ones + last) as usize
}

/// The page's rows as keys into `out`: the definition levels say which rows take the next of
/// `keys` (level 1) and which are null (key 0); runs of present rows are copied whole.
fn spread_keys(
    levels: &[u8],
    rows: usize,
    keys: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Unsupported> {
    let mut runs = Runs::new(levels, 1, rows);
    let mut at = 0;
    while let Some(run) = runs.next_run()? {
        match run {
            Run::Repeat { value: 0, count } => out.resize(out.len() + count, 0),
            Run::Repeat { count, .. } => {
                out.extend_from_slice(&keys[at..at + count]);
                at += count;
            }
            Run::Packed { bytes, count } => {
                for (i, &byte) in bytes.iter().enumerate() {
                    let bits = (count - i * 8).min(8);
                    if byte == 0xff && bits == 8 {
                        out.extend_from_slice(&keys[at..at + 8]);
                        at += 8;
                    } else {
                        for bit in 0..bits {
                            if byte >> bit & 1 == 1 {
                                out.push(keys[at]);
                                at += 1;
                            } else {
                                out.push(0);
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// An unsigned LEB128 integer (a run's header), at most 64 bits.
fn read_uleb128(data: &mut &[u8]) -> Result<u64, Unsupported> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = data.split_first().ok_or(Unsupported)?;
        *data = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(Unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Hand-encoded hybrid streams (Parquet's "RLE/bit-packing hybrid" layout): a run of
    /// five 3s (header 5 << 1 = 10), then one bit-packed group (header 1 << 1 | 1 = 3) of
    /// eight 3-bit values 0..=7 packed least significant bits first into three bytes.
    #[test]
    fn hybrid_runs_decode_as_written() {
        // 0..=7 at 3 bits each: bits 000 001 010 011 100 101 110 111, LSB first.
        let packed = [0b1000_1000, 0b1100_0110, 0b1111_1010];
        let mut stream = vec![10, 3, 3];
        stream.extend_from_slice(&packed);
        let mut out = Vec::new();
        decode_hybrid(&stream, 3, 13, &mut out).unwrap();
        assert_eq!(out, [3, 3, 3, 3, 3, 0, 1, 2, 3, 4, 5, 6, 7]);
        // Levels 1 1 0 1 1 1 1 1 in one bit-packed group of width 1 (0b1111_1011, LSB
        // first), then a run of three 1s: eleven rows, ten present taking keys 1..=10 in
        // order, the third row null (key 0).
        let levels = [3, 0b1111_1011, 6, 1];
        assert_eq!(count_present(&levels, 11).unwrap(), 10);
        let keys: Vec<u8> = (1..=10).collect();
        let mut rows = Vec::new();
        spread_keys(&levels, 11, &keys, &mut rows).unwrap();
        assert_eq!(rows, [1, 2, 0, 3, 4, 5, 6, 7, 8, 9, 10]);
    }

    proptest! {
        /// Whatever bytes a damaged page holds, decoding gives exactly the values asked for
        /// or gives up: it never panics, and levels that decode spread into every row.
        #[test]
        fn any_bytes_decode_to_the_count_or_give_up(
            data in proptest::collection::vec(any::<u8>(), 0..48),
            bit_width in 0u32..=8,
            count in 0usize..200,
        ) {
            let mut out = vec![9u8];
            if decode_hybrid(&data, bit_width, count, &mut out).is_ok() {
                prop_assert_eq!(out.len(), count + 1);
                prop_assert!(out[1..].iter().all(|&v| u32::from(v) < 1 << bit_width.max(1)));
            }
            if let Ok(present) = count_present(&data, count) {
                let keys: Vec<u8> = (0..present).map(|k| k as u8).collect();
                let mut rows = Vec::new();
                prop_assert!(spread_keys(&data, count, &keys, &mut rows).is_ok());
                prop_assert_eq!(rows.len(), count);
            }
        }
    }
}

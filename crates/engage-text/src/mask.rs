//! Masking what could identify someone in an exported comment: person names (from the
//! dictionary's 人名 tags), e-mail addresses and phone numbers. Applied to every comment that
//! leaves engage, whatever else is done with it.

use crate::Analyser;

pub const NAME_MASK: &str = "［人名］";
pub const EMAIL_MASK: &str = "［メール］";
pub const PHONE_MASK: &str = "［電話］";

/// How many of each were masked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Masked {
    pub names: usize,
    pub emails: usize,
    pub phones: usize,
}

/// The comment with names, e-mail addresses and phone numbers replaced.
pub fn mask_comment(text: &str, analyser: &Analyser) -> (String, Masked) {
    let mut masked = Masked::default();
    let text = mask_emails(text, &mut masked);
    let text = mask_phones(&text, &mut masked);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for t in analyser.tokens(&text) {
        if t.person_name {
            out.push_str(&text[at..t.range.start]);
            // Adjacent name parts (姓 + 名) become one mask.
            if !out.ends_with(NAME_MASK) {
                out.push_str(NAME_MASK);
                masked.names += 1;
            }
            at = t.range.end;
        }
    }
    out.push_str(&text[at..]);
    (out, masked)
}

fn is_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

fn is_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || ".-".contains(c)
}

/// local@domain.tld with an ASCII local part and a dotted domain.
fn mask_emails(text: &str, masked: &mut Masked) -> String {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (k, &(i, c)) in chars.iter().enumerate() {
        if c != '@' || i < copied {
            continue;
        }
        let start = chars[..k]
            .iter()
            .rev()
            .take_while(|(_, c)| is_local(*c))
            .last()
            .map(|(j, _)| *j);
        let end = chars[k + 1..]
            .iter()
            .take_while(|(_, c)| is_domain(*c))
            .last()
            .map(|(j, c)| j + c.len_utf8());
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        let domain = text[i + 1..end].trim_end_matches('.');
        let tld_ok = domain.rsplit_once('.').is_some_and(|(host, tld)| {
            !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
        });
        if start >= copied && tld_ok {
            out.push_str(&text[copied..start]);
            out.push_str(EMAIL_MASK);
            masked.emails += 1;
            copied = i + 1 + domain.len();
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Runs of digits joined by hyphens, dots, spaces or parentheses with 10 or 11 digits (a
/// Japanese landline or mobile number), or 9+ digits starting with 0.
fn mask_phones(text: &str, masked: &mut Masked) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut k = 0;
    let mut copied = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        if !(c.is_ascii_digit() || c == '(' || c == '+') {
            k += 1;
            continue;
        }
        // Extend over digits and separators, ending on a digit.
        let mut end_k = k;
        let mut digits = 0;
        let mut last_digit = None;
        while end_k < chars.len() {
            let c = chars[end_k].1;
            if c.is_ascii_digit() {
                digits += 1;
                last_digit = Some(end_k);
            } else if !"-.() +".contains(c) {
                break;
            }
            end_k += 1;
        }
        let first_digit = chars[k..]
            .iter()
            .find(|(_, c)| c.is_ascii_digit())
            .map(|x| x.1);
        let phone = (10..=11).contains(&digits) || (digits >= 9 && first_digit == Some('0'));
        match (phone && digits <= 13, last_digit) {
            (true, Some(last)) => {
                let end = chars[last].0 + 1;
                out.push_str(&text[copied..i]);
                out.push_str(PHONE_MASK);
                masked.phones += 1;
                copied = end;
                k = last + 1;
            }
            _ => k = end_k.max(k + 1),
        }
    }
    out.push_str(&text[copied..]);
    out
}

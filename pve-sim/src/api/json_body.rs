//! JSON request bodies as pveproxy decodes them. `extract_params` in
//! pve-http-server `src/PVE/APIServer/AnyEvent.pm` (checked against commit
//! 5c9e4ea, 2026-01) calls `decode_json($r->content)`, which is JSON::XS's
//! (JSON.pm aliases it), and nothing catches the `croak` until the `eval`
//! around `handle_api2_request`, which answers with pveproxy's own `error()`:
//! status 500, the message as reason phrase (its first line, see
//! `response()`) and as a plain-text body, no JSON envelope. The message is
//! JSON::XS's, with the location Perl appends: ` at
//! /usr/share/perl5/PVE/APIServer/AnyEvent.pm line 934.` (nothing strips
//! it). Perl may also append `, <FH> line N.` when the daemon last read a
//! file handle; that depends on the daemon's history and is not modelled.
//!
//! The decoder below follows JSON::XS 4.x's `decode_json` (`XS.xs`:
//! `decode_ws`, `decode_sv`, `decode_av`, `decode_hv`, `decode_str`,
//! `decode_num`, `decode_4hex`) step by step, so the error text, the offset
//! (a byte offset: `decode_json` works on the downgraded byte string) and
//! the `(before "…")` excerpt (`pv_uni_display` with `UNI_DISPLAY_QQ`, 20
//! characters then `...`) are JSON::XS's for bad tokens, trailing garbage,
//! unexpected ends, bad escapes, numbers and nesting (`max_depth` 512).
//! Approximations, each marked where it is made: UTF-8 that Perl's lax
//! decoder accepts but Rust's strings cannot hold (encoded surrogates, code
//! points above U+10FFFF) is refused as malformed; the excerpt of invalid
//! UTF-8 shows each bad sequence as one `\x{fffd}`.
//!
//! JSON::XS 4 allows a non-object top level (`allow_nonref` is on by
//! default), so `[1]` or `"x"` decode fine and fail only when
//! `extract_params` (query parameters, line 943) or `handle_api2_request`
//! (`delete $params->{_dc} if $params`, line 978) use them as a hash.

use serde_json::{Map, Number, Value};

/// Where `decode_json` is called from, as Perl names it in the message.
const ANYEVENT_PM: &str = "/usr/share/perl5/PVE/APIServer/AnyEvent.pm";
/// `$params = decode_json($r->content);`
const LINE_DECODE: u32 = 934;
/// `$params->{$k} = $query_params->{$k};` (only with a query string).
const LINE_QUERY_MERGE: u32 = 943;
/// `delete $params->{_dc} if $params;`
const LINE_DELETE_DC: u32 = 978;
/// JSON::XS's default `max_depth`.
const MAX_DEPTH: usize = 512;

/// Decode a JSON request body into the parameter hash, or the message of
/// the Perl `die` PVE answers with (500, plain text). `has_query`: whether
/// the query string holds parameters that `extract_params` merges in.
pub fn decode_params(body: &[u8], has_query: bool) -> Result<Map<String, Value>, String> {
    let value = decode_json(body).map_err(|e| perl_die(&e, LINE_DECODE))?;
    let line = if has_query {
        LINE_QUERY_MERGE
    } else {
        LINE_DELETE_DC
    };
    match value {
        Value::Object(map) => Ok(map),
        // undef: the query merge autovivifies a hash, and without one
        // `if $params` skips the delete and `rest_handler` iterates
        // `keys %$params` of undef, which autovivifies too.
        Value::Null => Ok(Map::new()),
        // References that are not hashes (arrays, JSON::PP::Boolean).
        // Approximation: `false` overloads to a false boolean, so without a
        // query string PVE skips the delete and fails later in
        // pve-manager's `rest_handler`, with another line.
        Value::Array(_) | Value::Bool(_) => Err(perl_die("Not a HASH reference", line)),
        // Plain scalars under `use strict`. Approximation: a false scalar
        // (`0`, `""`) without a query string fails later, in `rest_handler`;
        // Perl prints large or fractional numbers in its own notation.
        Value::String(s) => Err(perl_die(&strict_refs(&s), line)),
        Value::Number(n) => Err(perl_die(&strict_refs(&perl_number(&n)), line)),
    }
}

/// `die` text with Perl's location suffix.
fn perl_die(message: &str, line: u32) -> String {
    format!("{message} at {ANYEVENT_PM} line {line}.\n")
}

/// Perl's `strict refs` error (`pp_hot.c`: the string shown to 32
/// characters, then `...`).
fn strict_refs(s: &str) -> String {
    let shown: String = s.chars().take(32).collect();
    let more = if s.chars().count() > 32 { "..." } else { "" };
    format!("Can't use string (\"{shown}\"{more}) as a HASH ref while \"strict refs\" in use")
}

fn perl_number(n: &Number) -> String {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => i.to_string(),
        (_, Some(u), _) => u.to_string(),
        (_, _, Some(f)) => f.to_string(),
        _ => n.to_string(),
    }
}

/// JSON::XS `decode_json`: the value, or the croak text without location.
fn decode_json(body: &[u8]) -> Result<Value, String> {
    let mut d = Decoder {
        s: body,
        cur: 0,
        depth: 0,
    };
    d.ws();
    let result = d.sv().and_then(|value| {
        d.ws();
        if d.cur == d.s.len() {
            Ok(value)
        } else {
            Err("garbage after JSON object")
        }
    });
    result.map_err(|error| {
        let before = if d.cur >= d.s.len() {
            "(end of string)".to_string()
        } else {
            uni_display(&d.s[d.cur..], 20)
        };
        format!(
            "{error}, at character offset {} (before \"{before}\")",
            d.cur
        )
    })
}

type Step<T> = Result<T, &'static str>;

/// JSON::XS's `dec_t`: the input is NUL-terminated, so reading at the end
/// yields 0, which every branch treats as an unexpected character.
struct Decoder<'a> {
    s: &'a [u8],
    cur: usize,
    depth: usize,
}

impl Decoder<'_> {
    fn peek(&self) -> u8 {
        self.s.get(self.cur).copied().unwrap_or(0)
    }

    fn at(&self, offset: usize) -> u8 {
        self.s.get(self.cur + offset).copied().unwrap_or(0)
    }

    /// `decode_ws`: space, tab, CR, LF (comments only in relaxed mode).
    fn ws(&mut self) {
        while matches!(self.peek(), b' ' | b'\t' | b'\r' | b'\n') {
            self.cur += 1;
        }
    }

    fn expect(&mut self, ch: u8, error: &'static str) -> Step<()> {
        if self.peek() != ch {
            return Err(error);
        }
        self.cur += 1;
        Ok(())
    }

    /// `decode_sv`: one character of lookahead picks the value's kind.
    fn sv(&mut self) -> Step<Value> {
        match self.peek() {
            b'"' => {
                self.cur += 1;
                self.str().map(Value::String)
            }
            b'[' => {
                self.cur += 1;
                self.av()
            }
            b'{' => {
                self.cur += 1;
                self.hv()
            }
            b'-' | b'0'..=b'9' => self.num(),
            b't' => self.atom(b"true", Value::Bool(true), "'true' expected"),
            b'f' => self.atom(b"false", Value::Bool(false), "'false' expected"),
            b'n' => self.atom(b"null", Value::Null, "'null' expected"),
            _ => Err("malformed JSON string, neither tag, array, object, number, string or atom"),
        }
    }

    fn atom(&mut self, word: &[u8], value: Value, error: &'static str) -> Step<Value> {
        if self.s[self.cur..].starts_with(word) {
            self.cur += word.len();
            Ok(value)
        } else {
            Err(error)
        }
    }

    /// `DEC_INC_DEPTH`.
    fn deeper(&mut self) -> Step<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(
                "json text or perl structure exceeds maximum nesting level (max_depth set too low?)",
            );
        }
        Ok(())
    }

    /// `decode_av`, after the `[`.
    fn av(&mut self) -> Step<Value> {
        self.deeper()?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == b']' {
            self.cur += 1;
        } else {
            loop {
                items.push(self.sv()?);
                self.ws();
                if self.peek() == b']' {
                    self.cur += 1;
                    break;
                }
                self.expect(b',', ", or ] expected while parsing array")?;
                self.ws();
            }
        }
        self.depth -= 1;
        Ok(Value::Array(items))
    }

    /// `decode_hv`, after the `{`. The key fast path JSON::XS takes ends
    /// where `decode_str` would, with the same errors.
    fn hv(&mut self) -> Step<Value> {
        self.deeper()?;
        let mut map = Map::new();
        self.ws();
        if self.peek() == b'}' {
            self.cur += 1;
        } else {
            loop {
                self.expect(b'"', "'\"' expected")?;
                let key = self.str()?;
                self.ws();
                self.expect(b':', "':' expected")?;
                self.ws();
                let value = self.sv()?;
                // A Perl hash: the last of duplicate keys wins.
                map.insert(key, value);
                self.ws();
                if self.peek() == b'}' {
                    self.cur += 1;
                    break;
                }
                self.expect(b',', ", or } expected while parsing object/hash")?;
                self.ws();
            }
        }
        self.depth -= 1;
        Ok(Value::Object(map))
    }

    /// `decode_4hex`: the error points at the first of the four digits.
    fn hex4(&mut self) -> Step<u32> {
        let mut value = 0;
        for i in 0..4 {
            let digit = char::from(self.at(i))
                .to_digit(16)
                .ok_or("exactly four hexadecimal digits expected")?;
            value = value * 16 + digit;
        }
        self.cur += 4;
        Ok(value)
    }

    /// `decode_str`, after the opening quote.
    fn str(&mut self) -> Step<String> {
        let mut out = String::new();
        loop {
            let ch = self.peek();
            match ch {
                b'"' => {
                    self.cur += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.cur += 1;
                    let escaped = match self.peek() {
                        c @ (b'\\' | b'/' | b'"') => Some(char::from(c)),
                        b'b' => Some('\u{8}'),
                        b't' => Some('\t'),
                        b'n' => Some('\n'),
                        b'f' => Some('\u{c}'),
                        b'r' => Some('\r'),
                        b'u' => None,
                        _ => {
                            self.cur -= 1;
                            return Err("illegal backslash escape sequence in string");
                        }
                    };
                    self.cur += 1;
                    match escaped {
                        Some(c) => out.push(c),
                        None => out.push(self.unicode_escape()?),
                    }
                }
                0x20..=0x7f => {
                    out.push(char::from(ch));
                    self.cur += 1;
                }
                0x80..=0xff => {
                    let len = match ch {
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        0xf0..=0xf7 => 4,
                        _ => 1,
                    };
                    // Approximation: Perl's lax UTF-8 also takes encoded
                    // surrogates and code points above U+10FFFF.
                    let text = self
                        .s
                        .get(self.cur..self.cur + len)
                        .and_then(|bytes| std::str::from_utf8(bytes).ok())
                        .ok_or("malformed UTF-8 character in JSON string")?;
                    out.push_str(text);
                    self.cur += len;
                }
                // The end, or a NUL inside the input, which ends JSON::XS's
                // C string all the same.
                0 => return Err("unexpected end of string while parsing JSON string"),
                _ => return Err("invalid character encountered while parsing JSON string"),
            }
        }
    }

    /// `\uXXXX`, cursor after the `u`, with JSON::XS's surrogate rules.
    fn unicode_escape(&mut self) -> Step<char> {
        let hi = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&hi) {
            if self.peek() != b'\\' || self.at(1) != b'u' {
                return Err("missing low surrogate character in surrogate pair");
            }
            self.cur += 2;
            let lo = self.hex4()?;
            if !(0xdc00..0xe000).contains(&lo) {
                return Err("surrogate pair expected");
            }
            (hi - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000
        } else if (0xdc00..0xe000).contains(&hi) {
            return Err("missing high surrogate character in surrogate pair");
        } else {
            hi
        };
        char::from_u32(code).ok_or("surrogate pair expected")
    }

    fn digits(&mut self) {
        while self.peek().is_ascii_digit() {
            self.cur += 1;
        }
    }

    /// `decode_num`.
    fn num(&mut self) -> Step<Value> {
        let start = self.cur;
        if self.peek() == b'-' {
            self.cur += 1;
        }
        if self.peek() == b'0' {
            self.cur += 1;
            if self.peek().is_ascii_digit() {
                return Err(
                    "malformed number (leading zero must not be followed by another digit)",
                );
            }
        } else if !self.peek().is_ascii_digit() {
            return Err("malformed number (no digits after initial minus)");
        } else {
            self.digits();
        }
        if self.peek() == b'.' {
            self.cur += 1;
            if !self.peek().is_ascii_digit() {
                return Err("malformed number (no digits after decimal point)");
            }
            self.digits();
        }
        if matches!(self.peek(), b'e' | b'E') {
            self.cur += 1;
            if matches!(self.peek(), b'-' | b'+') {
                self.cur += 1;
            }
            if !self.peek().is_ascii_digit() {
                return Err("malformed number (no digits after exp sign)");
            }
            self.digits();
        }
        let text = std::str::from_utf8(&self.s[start..self.cur]).unwrap_or("0");
        let number = text
            .parse::<Number>()
            .ok()
            .or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64))
            .ok_or("malformed number")?;
        Ok(Value::Number(number))
    }
}

/// Perl's `pv_uni_display` with `UNI_DISPLAY_QQ`: printable ASCII as is,
/// `\n`-style mnemonics for control characters that have one (not `\b`),
/// `\\` for a backslash, `\x{…}` for the rest; it stops once `limit`
/// bytes are out and then appends `...`.
fn uni_display(bytes: &[u8], limit: usize) -> String {
    let mut out = String::new();
    let mut rest = bytes;
    while let Some(&first) = rest.first() {
        if out.len() >= limit {
            out.push_str("...");
            break;
        }
        let skip = match first {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 1,
        }
        .min(rest.len());
        let (code, used) = match std::str::from_utf8(&rest[..skip]) {
            Ok(text) => (text.chars().next().map_or(0xfffd, u32::from), skip),
            // Approximation: one replacement character per bad sequence.
            Err(_) => (0xfffd, skip),
        };
        rest = &rest[used..];
        match code {
            0x07 => out.push_str("\\a"),
            0x1b => out.push_str("\\e"),
            0x0c => out.push_str("\\f"),
            0x0a => out.push_str("\\n"),
            0x0d => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            0x5c => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from_u32(code).unwrap_or('?')),
            _ => out.push_str(&format!("\\x{{{code:x}}}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(body: &str) -> String {
        decode_json(body.as_bytes()).expect_err(body)
    }

    const BAD_TOKEN: &str =
        "malformed JSON string, neither tag, array, object, number, string or atom";

    #[test]
    fn bad_tokens_as_json_xs_reports_them() {
        assert_eq!(
            error("userid=x@pve"),
            format!("{BAD_TOKEN}, at character offset 0 (before \"userid=x@pve\")")
        );
        assert_eq!(
            error(""),
            format!("{BAD_TOKEN}, at character offset 0 (before \"(end of string)\")")
        );
        assert_eq!(
            error("{\"a\": x}"),
            format!("{BAD_TOKEN}, at character offset 6 (before \"x}}\")")
        );
        assert_eq!(
            error("{a: 1}"),
            "'\"' expected, at character offset 1 (before \"a: 1}\")"
        );
        assert_eq!(
            error("{\"a\" 1}"),
            "':' expected, at character offset 5 (before \"1}\")"
        );
        assert_eq!(
            error("[1 2]"),
            ", or ] expected while parsing array, at character offset 3 (before \"2]\")"
        );
        assert_eq!(
            error("{\"a\":tru}"),
            "'true' expected, at character offset 5 (before \"tru}\")"
        );
        assert_eq!(
            error("{\"a\":01}"),
            "malformed number (leading zero must not be followed by another digit), at character offset 6 (before \"1}\")"
        );
        assert_eq!(
            error("{\"a\":\"\\x\"}"),
            "illegal backslash escape sequence in string, at character offset 6 (before \"\\\\x\"}\")"
        );
    }

    #[test]
    fn trailing_garbage_and_unexpected_ends() {
        assert_eq!(
            error("{\"a\":1} x"),
            "garbage after JSON object, at character offset 8 (before \"x\")"
        );
        assert_eq!(
            error("{\"a\":1"),
            ", or } expected while parsing object/hash, at character offset 6 (before \"(end of string)\")"
        );
        assert_eq!(
            error("{\"a"),
            "unexpected end of string while parsing JSON string, at character offset 3 (before \"(end of string)\")"
        );
        assert_eq!(
            error("{\"a\":"),
            format!("{BAD_TOKEN}, at character offset 5 (before \"(end of string)\")")
        );
        assert_eq!(
            error("{\"a\":-}"),
            "malformed number (no digits after initial minus), at character offset 6 (before \"}\")"
        );
    }

    #[test]
    fn the_excerpt_is_cut_after_twenty_characters_and_escaped() {
        assert_eq!(
            error("{\"comment\": yes, \"userid\": \"x@pve\"}"),
            format!("{BAD_TOKEN}, at character offset 12 (before \"yes, \"userid\": \"x@pv...\")")
        );
        assert_eq!(
            error("{\"a\":1,\n\t}"),
            "'\"' expected, at character offset 9 (before \"}\")"
        );
        assert_eq!(
            error("{\"a\":1}\n\tü\\"),
            "garbage after JSON object, at character offset 9 (before \"\\x{fc}\\\\\")"
        );
        assert_eq!(
            error("{\"a\":\"x\ny\"}"),
            "invalid character encountered while parsing JSON string, at character offset 7 (before \"\\ny\"}\")"
        );
    }

    #[test]
    fn strings_numbers_and_nesting_decode_as_json_xs_does() {
        let value =
            decode_json("{\"a\":\"\\u00fc\\ud83d\\ude00\",\"a\":[1.5e3,-1,true,null]}".as_bytes())
                .expect("valid");
        assert_eq!(value, serde_json::json!({"a": [1500.0, -1, true, null]}));
        let value = decode_json("\"\\u00fc\\ud83d\\ude00\"".as_bytes()).expect("valid");
        assert_eq!(value, "ü😀");
        assert_eq!(
            error("\"\\udc00\""),
            "missing high surrogate character in surrogate pair, at character offset 7 (before \"\"\")"
        );
        let deep = format!("{}{}", "[".repeat(513), "]".repeat(513));
        assert_eq!(
            error(&deep),
            format!(
                "json text or perl structure exceeds maximum nesting level (max_depth set too low?), at character offset 513 (before \"{}...\")",
                "]".repeat(20)
            )
        );
        let fine = format!("{}{}", "[".repeat(512), "]".repeat(512));
        assert!(decode_json(fine.as_bytes()).is_ok());
    }

    #[test]
    fn a_top_level_that_is_not_a_hash_fails_where_perl_uses_it_as_one() {
        let at = |line: u32| format!(" at {ANYEVENT_PM} line {line}.\n");
        assert_eq!(
            decode_params(b"[1]", false).unwrap_err(),
            format!("Not a HASH reference{}", at(978))
        );
        assert_eq!(
            decode_params(b"true", true).unwrap_err(),
            format!("Not a HASH reference{}", at(943))
        );
        assert_eq!(
            decode_params(b"\"userid=x@pve&comment=a-long-comment\"", false).unwrap_err(),
            format!(
                "Can't use string (\"userid=x@pve&comment=a-long-comm\"...) as a HASH ref while \"strict refs\" in use{}",
                at(978)
            )
        );
        assert_eq!(
            decode_params(b"42", false).unwrap_err(),
            format!(
                "Can't use string (\"42\") as a HASH ref while \"strict refs\" in use{}",
                at(978)
            )
        );
        assert_eq!(decode_params(b"null", false).unwrap(), Map::new());
        assert_eq!(
            decode_params(b"{\"a\" 1}", false).unwrap_err(),
            format!(
                "':' expected, at character offset 5 (before \"1}}\"){}",
                at(934)
            )
        );
    }
}

//! RFC 9535's grammar as a recursive-descent parser. Each rule is a method named for the ABNF rule
//! it reads; every refusal says what was expected and at which character.

use super::syntax::{Comparable, Comparison, Function, Logical, Query, Segment, Selector};
use crate::model::node::Node;

/// RFC 9535 keeps integers within I-JSON's exact range.
const MAX_INTEGER: i64 = (1 << 53) - 1;

pub fn parse(text: &str) -> Result<Query, String> {
    let mut parser = Parser { text, at: 0 };
    if !parser.eat(b'$') {
        return parser.fail("a path starts with `$`");
    }
    let segments = parser.segments()?;
    if parser.at < text.len() {
        return parser.fail("unexpected character");
    }
    Ok(Query {
        absolute: true,
        segments,
    })
}

struct Parser<'t> {
    text: &'t str,
    at: usize,
}

/// What a filter operand turned out to be, before its place decides whether it may stand there.
enum Operand {
    Literal(Node<'static>),
    Query(Query),
    Function(Function),
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn eat_str(&mut self, word: &str) -> bool {
        let found = self.text[self.at..].starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), String> {
        if self.eat(byte) {
            Ok(())
        } else {
            self.fail(what)
        }
    }

    fn fail<T>(&self, what: &str) -> Result<T, String> {
        let character = self.text[..self.at].chars().count() + 1;
        Err(format!("{what} at character {character}"))
    }

    /// `*(S segment)`: blanks before a segment belong to it, blanks after the last do not.
    fn segments(&mut self) -> Result<Vec<Segment>, String> {
        let mut segments = Vec::new();
        loop {
            let before = self.at;
            self.skip_blanks();
            let segment = match self.peek() {
                Some(b'[') => Segment::Child(self.bracketed_selection()?),
                Some(b'.') if self.eat_str("..") => Segment::Descendant(match self.peek() {
                    Some(b'[') => self.bracketed_selection()?,
                    _ => vec![self.shorthand_selector()?],
                }),
                Some(b'.') => {
                    self.at += 1;
                    Segment::Child(vec![self.shorthand_selector()?])
                }
                _ => {
                    self.at = before;
                    return Ok(segments);
                }
            };
            segments.push(segment);
        }
    }

    /// `*` or a member name right after `.` or `..`.
    fn shorthand_selector(&mut self) -> Result<Selector, String> {
        if self.eat(b'*') {
            return Ok(Selector::Wildcard);
        }
        let rest = &self.text[self.at..];
        let length = rest
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_alphabetic()
                    || c == '_'
                    || !c.is_ascii()
                    || (i > 0 && c.is_ascii_digit()))
            })
            .map_or(rest.len(), |(i, _)| i);
        if length == 0 {
            return self.fail("expected a member name or `*`");
        }
        self.at += length;
        Ok(Selector::Name(rest[..length].to_string()))
    }

    /// `"[" S selector *(S "," S selector) S "]"`
    fn bracketed_selection(&mut self) -> Result<Vec<Selector>, String> {
        self.expect(b'[', "expected `[`")?;
        let mut selectors = Vec::new();
        loop {
            self.skip_blanks();
            selectors.push(self.selector()?);
            self.skip_blanks();
            if self.eat(b']') {
                return Ok(selectors);
            }
            self.expect(b',', "expected `,` or `]`")?;
        }
    }

    fn selector(&mut self) -> Result<Selector, String> {
        match self.peek() {
            Some(b'\'' | b'"') => Ok(Selector::Name(self.string_literal()?)),
            Some(b'*') => {
                self.at += 1;
                Ok(Selector::Wildcard)
            }
            Some(b'?') => {
                self.at += 1;
                self.skip_blanks();
                Ok(Selector::Filter(Box::new(self.logical_or()?)))
            }
            _ => self.index_or_slice(),
        }
    }

    /// `int` alone, or `[start S] ":" S [end S] [":" [S step]]`.
    fn index_or_slice(&mut self) -> Result<Selector, String> {
        let start = self.optional_int()?;
        let before_colon = self.at;
        self.skip_blanks();
        if !self.eat(b':') {
            self.at = before_colon;
            return match start {
                Some(index) => Ok(Selector::Index(index)),
                None => {
                    self.fail("expected a selector (a name, `*`, an index, a slice or a filter)")
                }
            };
        }
        self.skip_blanks();
        let end = self.optional_int()?;
        self.skip_blanks();
        let step = if self.eat(b':') {
            self.skip_blanks();
            self.optional_int()?
        } else {
            None
        };
        Ok(Selector::Slice { start, end, step })
    }

    /// `"0" / ["-"] DIGIT1 *DIGIT`, within ±(2^53 - 1).
    fn optional_int(&mut self) -> Result<Option<i64>, String> {
        let start = self.at;
        let negative = self.eat(b'-');
        let digits = self.take_digits();
        if digits.is_empty() {
            self.at = start;
            return if negative {
                self.fail("expected a digit")
            } else {
                Ok(None)
            };
        }
        if digits.starts_with('0') && (negative || digits.len() > 1) {
            self.at = start;
            return self.fail("an integer has no leading zero (and is not -0)");
        }
        match digits.parse::<i64>() {
            Ok(value) if value <= MAX_INTEGER => Ok(Some(if negative { -value } else { value })),
            _ => {
                self.at = start;
                self.fail("an integer must be within -(2^53-1) and 2^53-1")
            }
        }
    }

    fn take_digits(&mut self) -> &str {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        &self.text[start..self.at]
    }

    /// A single- or double-quoted string with JSON's escapes (and `\'` in single quotes).
    fn string_literal(&mut self) -> Result<String, String> {
        let quote = self.text.as_bytes()[self.at];
        self.at += 1;
        let mut value = String::new();
        loop {
            let Some(c) = self.text[self.at..].chars().next() else {
                return self.fail("unterminated string");
            };
            self.at += c.len_utf8();
            match c {
                _ if c as u32 == u32::from(quote) => return Ok(value),
                '\\' => {
                    let escaped = self.escape(quote)?;
                    value.push(escaped);
                }
                '\u{0}'..='\u{1f}' => {
                    self.at -= 1;
                    return self.fail("a control character in a string must be escaped");
                }
                _ => value.push(c),
            }
        }
    }

    fn escape(&mut self, quote: u8) -> Result<char, String> {
        let Some(byte) = self.peek() else {
            return self.fail("unterminated escape");
        };
        self.at += 1;
        Ok(match byte {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'/' => '/',
            b'\\' => '\\',
            b'u' => return self.unicode_escape(),
            _ if byte == quote => char::from(quote),
            _ => {
                self.at -= 1;
                return self.fail("unknown escape");
            }
        })
    }

    /// `\uXXXX`, a surrogate pair as two of them.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let high = self.hex4()?;
        let code = match high {
            0xD800..=0xDBFF => {
                if !self.eat_str("\\u") {
                    return self.fail("a high surrogate must be followed by a low one");
                }
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return self.fail("a high surrogate must be followed by a low one");
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return self.fail("a low surrogate without a high one"),
            _ => high,
        };
        char::from_u32(code).map_or_else(|| self.fail("not a character"), Ok)
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.text.get(self.at..self.at + 4).unwrap_or("");
        match u32::from_str_radix(digits, 16) {
            Ok(value) if digits.bytes().all(|b| b.is_ascii_hexdigit()) => {
                self.at += 4;
                Ok(value)
            }
            _ => self.fail("expected four hexadecimal digits"),
        }
    }

    /// `logical-and-expr *(S "||" S logical-and-expr)`
    fn logical_or(&mut self) -> Result<Logical, String> {
        let mut terms = vec![self.logical_and()?];
        while self.eat_after_blanks("||") {
            self.skip_blanks();
            terms.push(self.logical_and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Logical::Or(terms)
        })
    }

    /// `basic-expr *(S "&&" S basic-expr)`
    fn logical_and(&mut self) -> Result<Logical, String> {
        let mut terms = vec![self.basic_expr()?];
        while self.eat_after_blanks("&&") {
            self.skip_blanks();
            terms.push(self.basic_expr()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Logical::And(terms)
        })
    }

    /// Blanks then `word`; when `word` is not there, the blanks are left unread.
    fn eat_after_blanks(&mut self, word: &str) -> bool {
        let before = self.at;
        self.skip_blanks();
        let found = self.eat_str(word);
        if !found {
            self.at = before;
        }
        found
    }

    /// A parenthesised expression, a test (a query) or a comparison, `!` allowed before the first two.
    fn basic_expr(&mut self) -> Result<Logical, String> {
        let negated = self.eat(b'!');
        self.skip_blanks();
        if self.eat(b'(') {
            self.skip_blanks();
            let inner = self.logical_or()?;
            self.skip_blanks();
            self.expect(b')', "expected `)`")?;
            return Ok(if negated {
                Logical::Not(Box::new(inner))
            } else {
                inner
            });
        }
        let start = self.at;
        let left = self.operand()?;
        if !negated && let Some(comparison) = self.comparison_operator() {
            let left = self.comparable(left, start)?;
            self.skip_blanks();
            let right_start = self.at;
            let right = self.operand()?;
            let right = self.comparable(right, right_start)?;
            return Ok(Logical::Compare(left, comparison, right));
        }
        let test = match left {
            Operand::Query(query) => Logical::Exists(query),
            Operand::Function(_) => {
                self.at = start;
                return self.fail("length(), count() and value() give a value: compare it");
            }
            Operand::Literal(_) => {
                self.at = start;
                return self.fail("a literal is not a test: compare it");
            }
        };
        Ok(if negated {
            Logical::Not(Box::new(test))
        } else {
            test
        })
    }

    fn comparison_operator(&mut self) -> Option<Comparison> {
        let before = self.at;
        self.skip_blanks();
        for (text, comparison) in [
            ("==", Comparison::Equal),
            ("!=", Comparison::NotEqual),
            ("<=", Comparison::LessOrEqual),
            (">=", Comparison::GreaterOrEqual),
            ("<", Comparison::Less),
            (">", Comparison::Greater),
        ] {
            if self.eat_str(text) {
                return Some(comparison);
            }
        }
        self.at = before;
        None
    }

    /// An operand where a single value is needed: a literal, a singular query, a function.
    fn comparable(&mut self, operand: Operand, start: usize) -> Result<Comparable, String> {
        match operand {
            Operand::Literal(value) => Ok(Comparable::Literal(value)),
            Operand::Function(function) => Ok(Comparable::Function(Box::new(function))),
            Operand::Query(query) if query.is_singular() => Ok(Comparable::Singular(query)),
            Operand::Query(_) => {
                self.at = start;
                self.fail("a query compared or measured must be singular (names and indexes only)")
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.peek() {
            Some(b'@' | b'$') => {
                let absolute = self.peek() == Some(b'$');
                self.at += 1;
                let segments = self.segments()?;
                Ok(Operand::Query(Query { absolute, segments }))
            }
            Some(b'\'' | b'"') => Ok(Operand::Literal(Node::from(self.string_literal()?))),
            Some(b'-' | b'0'..=b'9') => self.number().map(Operand::Literal),
            Some(b'a'..=b'z') => self.word(),
            _ => self.fail("expected a query, a literal or a function"),
        }
    }

    /// `true`, `false`, `null`, or a function call.
    fn word(&mut self) -> Result<Operand, String> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            self.at += 1;
        }
        let name = &self.text[start..self.at];
        if self.peek() != Some(b'(') {
            return match name {
                "true" => Ok(Operand::Literal(Node::Bool(true))),
                "false" => Ok(Operand::Literal(Node::Bool(false))),
                "null" => Ok(Operand::Literal(Node::Null)),
                _ => {
                    self.at = start;
                    self.fail("expected a query, a literal or a function")
                }
            };
        }
        self.at += 1;
        self.skip_blanks();
        let argument_start = self.at;
        let argument = self.operand()?;
        let function = match (name, argument) {
            ("length", argument) => Function::Length(self.comparable(argument, argument_start)?),
            ("count", Operand::Query(query)) => Function::Count(query),
            ("value", Operand::Query(query)) => Function::Value(query),
            ("count" | "value", _) => {
                self.at = argument_start;
                return self.fail("count() and value() take a query");
            }
            ("match" | "search", _) => {
                self.at = start;
                return self
                    .fail("match() and search() are not available (no regular expressions)");
            }
            _ => {
                self.at = start;
                return self.fail("unknown function (length, count and value are known)");
            }
        };
        self.skip_blanks();
        self.expect(b')', "expected `)`: these functions take one argument")?;
        Ok(Operand::Function(function))
    }

    /// `(int / "-0") [ frac ] [ exp ]`, read by serde_json so that it compares as JSON's numbers do.
    fn number(&mut self) -> Result<Node<'static>, String> {
        let start = self.at;
        self.eat(b'-');
        let integer = self.take_digits();
        let leading_zero = integer.len() > 1 && integer.starts_with('0');
        let mut valid = !integer.is_empty() && !leading_zero;
        if self.eat(b'.') {
            valid &= !self.take_digits().is_empty();
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            valid &= !self.take_digits().is_empty();
        }
        let text = &self.text[start..self.at];
        // Read as a Node, whose reader takes every JSON type: `Number`'s own reader formats an
        // error for the others, which links the float formatter (~17 KB) into the module.
        match serde_json::from_str::<Node>(text) {
            Ok(number @ Node::Number(_)) if valid => Ok(number.into_owned()),
            _ => {
                self.at = start;
                self.fail("not a number")
            }
        }
    }
}

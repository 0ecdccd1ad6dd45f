//! `textwrap`: `wrap`, `fill`, `shorten`, `dedent` and `indent`, following CPython's
//! `TextWrapper` step for step (whitespace munging, chunks split after hyphens inside
//! words, long words broken, `max_lines` with its placeholder) and its messages.

use super::interp::{Interp, R, raise, type_err};
use super::libobj::{self, Kw};
use super::stdlib::NFn;
use super::value::V;

/// `textwrap`'s functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFn {
    Wrap,
    Fill,
    Shorten,
    Dedent,
    Indent,
}

impl TextFn {
    /// The name Python gives it.
    pub fn name(self) -> &'static str {
        match self {
            TextFn::Wrap => "wrap",
            TextFn::Fill => "fill",
            TextFn::Shorten => "shorten",
            TextFn::Dedent => "dedent",
            TextFn::Indent => "indent",
        }
    }
}

/// `textwrap.name`.
pub fn module_attr(name: &str) -> Option<V> {
    [TextFn::Wrap, TextFn::Fill, TextFn::Shorten, TextFn::Dedent, TextFn::Indent]
        .into_iter()
        .find(|f| f.name() == name)
        .map(|f| libobj::native_fn(NFn::Text(f)))
}

/// `TextWrapper`'s settings.
struct Wrapper {
    width: i64,
    initial_indent: String,
    subsequent_indent: String,
    expand_tabs: bool,
    replace_whitespace: bool,
    drop_whitespace: bool,
    break_long_words: bool,
    break_on_hyphens: bool,
    tabsize: i64,
    max_lines: Option<i64>,
    placeholder: String,
}

fn string_arg(name: &str, v: V) -> R<String> {
    match v {
        V::Str(s) => Ok(s.to_string()),
        other => type_err(format!("{name} must be str, not {}", other.type_name())),
    }
}

impl Wrapper {
    fn from_kw(width: V, kw: Kw) -> R<Wrapper> {
        let mut w = Wrapper {
            width: super::builtins::index(&width)?,
            initial_indent: String::new(),
            subsequent_indent: String::new(),
            expand_tabs: true,
            replace_whitespace: true,
            drop_whitespace: true,
            break_long_words: true,
            break_on_hyphens: true,
            tabsize: 8,
            max_lines: None,
            placeholder: " [...]".into(),
        };
        for (k, v) in kw {
            match &*k {
                "initial_indent" => w.initial_indent = string_arg(&k, v)?,
                "subsequent_indent" => w.subsequent_indent = string_arg(&k, v)?,
                "placeholder" => w.placeholder = string_arg(&k, v)?,
                "expand_tabs" => w.expand_tabs = v.truthy(),
                "replace_whitespace" => w.replace_whitespace = v.truthy(),
                "drop_whitespace" => w.drop_whitespace = v.truthy(),
                "break_long_words" => w.break_long_words = v.truthy(),
                "break_on_hyphens" => w.break_on_hyphens = v.truthy(),
                "fix_sentence_endings" => {}
                "tabsize" => w.tabsize = super::builtins::index(&v)?,
                "max_lines" => {
                    w.max_lines = if matches!(v, V::None) { None } else { Some(super::builtins::index(&v)?) }
                }
                "width" => w.width = super::builtins::index(&v)?,
                _ => return type_err(format!("TextWrapper.__init__() got an unexpected keyword argument '{k}'")),
            }
        }
        Ok(w)
    }

    fn munge(&self, text: &str) -> String {
        let mut s = if self.expand_tabs { expandtabs(text, self.tabsize) } else { text.to_string() };
        if self.replace_whitespace {
            s = s.chars().map(|c| if "\t\n\x0b\x0c\r".contains(c) { ' ' } else { c }).collect();
        }
        s
    }

    /// Whitespace runs and words, a hyphenated word split after each inner hyphen.
    fn chunks(&self, text: &str) -> Vec<String> {
        let cs: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < cs.len() {
            let ws = cs[i].is_whitespace();
            let mut j = i;
            while j < cs.len() && cs[j].is_whitespace() == ws {
                j += 1;
            }
            if ws || !self.break_on_hyphens {
                out.push(cs[i..j].iter().collect());
            } else {
                let letter = |k: usize| cs.get(k).is_some_and(|c| c.is_alphabetic());
                let mut start = i;
                let mut k = i;
                while k < j {
                    // An em-dash (`--` or longer) between words is a chunk of its own.
                    let dashes = cs[k..j].iter().take_while(|&&c| c == '-').count();
                    let word = |c: char| c.is_alphanumeric() || c == '_';
                    if dashes >= 2
                        && k > i
                        && (word(cs[k - 1]) || "!\"'&.,?".contains(cs[k - 1]))
                        && cs.get(k + dashes).is_some_and(|&c| word(c))
                    {
                        if start < k {
                            out.push(cs[start..k].iter().collect());
                        }
                        out.push(cs[k..k + dashes].iter().collect());
                        k += dashes;
                        start = k;
                        continue;
                    }
                    // `-` ends a chunk after two letters (or `x-y-`) and before a letter,
                    // an optional hyphen, and a letter (CPython's `wordsep_re`).
                    let before = k >= i + 2
                        && (letter(k - 1) && letter(k - 2)
                            || k >= i + 3 && letter(k - 1) && cs[k - 2] == '-' && letter(k - 3));
                    let after = letter(k + 1) && (letter(k + 2) || cs.get(k + 2) == Some(&'-') && letter(k + 3));
                    if cs[k] == '-' && k + 1 < j && before && after {
                        out.push(cs[start..=k].iter().collect());
                        start = k + 1;
                    }
                    k += 1;
                }
                out.push(cs[start..j].iter().collect());
            }
            i = j;
        }
        out
    }

    fn wrap(&self, text: &str) -> R<Vec<String>> {
        let chunks = self.chunks(&self.munge(text));
        self.wrap_chunks(chunks)
    }

    fn wrap_chunks(&self, mut chunks: Vec<String>) -> R<Vec<String>> {
        let len = |s: &str| s.chars().count() as i64;
        let mut lines: Vec<String> = Vec::new();
        if self.width <= 0 {
            return raise("ValueError", format!("invalid width {} (must be > 0)", self.width));
        }
        if let Some(m) = self.max_lines {
            let indent = if m > 1 { &self.subsequent_indent } else { &self.initial_indent };
            if len(indent) + len(self.placeholder.trim_start()) > self.width {
                return raise("ValueError", "placeholder too large for max width");
            }
        }
        chunks.reverse();
        while !chunks.is_empty() {
            let mut cur: Vec<String> = Vec::new();
            let mut cur_len = 0;
            let indent = if lines.is_empty() { &self.initial_indent } else { &self.subsequent_indent };
            let width = self.width - len(indent);
            if self.drop_whitespace && chunks.last().is_some_and(|c| c.trim().is_empty()) && !lines.is_empty() {
                chunks.pop();
            }
            while let Some(c) = chunks.last() {
                let l = len(c);
                if cur_len + l <= width {
                    cur_len += l;
                    cur.push(chunks.pop().unwrap_or_default());
                } else {
                    break;
                }
            }
            if chunks.last().is_some_and(|c| len(c) > width) {
                self.long_word(&mut chunks, &mut cur, cur_len, width);
                cur_len = cur.iter().map(|c| len(c)).sum();
            }
            if self.drop_whitespace && cur.last().is_some_and(|c| c.trim().is_empty()) {
                cur_len -= cur.last().map_or(0, |c| len(c));
                cur.pop();
            }
            if cur.is_empty() {
                continue;
            }
            let fits = match self.max_lines {
                None => true,
                Some(m) => {
                    (lines.len() as i64) + 1 < m
                        || (chunks.is_empty()
                            || self.drop_whitespace && chunks.len() == 1 && chunks[0].trim().is_empty())
                            && cur_len <= width
                }
            };
            if fits {
                lines.push(format!("{indent}{}", cur.concat()));
                continue;
            }
            loop {
                if let Some(last) = cur.last() {
                    if !last.trim().is_empty() && cur_len + len(&self.placeholder) <= width {
                        cur.push(self.placeholder.clone());
                        lines.push(format!("{indent}{}", cur.concat()));
                        break;
                    }
                    cur_len -= len(last);
                    cur.pop();
                } else {
                    if let Some(prev) = lines.last() {
                        let prev = prev.trim_end().to_string();
                        if len(&prev) + len(&self.placeholder) <= self.width {
                            let n = lines.len();
                            lines[n - 1] = prev + &self.placeholder;
                            break;
                        }
                    }
                    lines.push(format!("{indent}{}", self.placeholder.trim_start()));
                    break;
                }
            }
            break;
        }
        Ok(lines)
    }

    fn long_word(&self, chunks: &mut Vec<String>, cur: &mut Vec<String>, cur_len: i64, width: i64) {
        let space_left = if width < 1 { 1 } else { width - cur_len } as usize;
        if self.break_long_words {
            let Some(chunk) = chunks.last_mut() else { return };
            let cs: Vec<char> = chunk.chars().collect();
            let mut end = space_left.min(cs.len());
            if self.break_on_hyphens && cs.len() > space_left {
                let hyphen = cs[..space_left].iter().rposition(|&c| c == '-');
                if let Some(h) = hyphen
                    && h > 0
                    && cs[..h].iter().any(|&c| c != '-')
                {
                    end = h + 1;
                }
            }
            cur.push(cs[..end].iter().collect());
            *chunk = cs[end..].iter().collect();
        } else if cur.is_empty()
            && let Some(c) = chunks.pop()
        {
            cur.push(c);
        }
    }
}

pub(crate) fn expandtabs(s: &str, tab: i64) -> String {
    let mut out = String::new();
    let mut col = 0i64;
    for c in s.chars() {
        match c {
            '\t' if tab > 0 => {
                let n = tab - col % tab;
                out.extend(std::iter::repeat_n(' ', n as usize));
                col += n;
            }
            '\t' => {}
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            c => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

fn text_arg(fname: &str, pos: &[V], kw: &mut Kw, i: usize, name: &str) -> R<String> {
    match libobj::arg(pos, kw, i, name) {
        Some(V::Str(s)) => Ok(s.to_string()),
        Some(V::None) if fname == "dedent" => type_err("expected string or bytes-like object, got 'NoneType'"),
        Some(other) if fname == "dedent" => {
            type_err(format!("expected string or bytes-like object, got '{}'", other.type_name()))
        }
        Some(other) => raise("AttributeError", format!("'{}' object has no attribute 'expandtabs'", other.type_name())),
        None => type_err(format!("{fname}() missing 1 required positional argument: '{name}'")),
    }
}

fn dedent(text: &str) -> String {
    // Lines of only blanks and tabs become empty.
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| if !l.is_empty() && l.chars().all(|c| c == ' ' || c == '\t') { String::new() } else { l.to_string() })
        .collect();
    let mut margin: Option<String> = None;
    for l in &lines {
        let ind: String = l.chars().take_while(|&c| c == ' ' || c == '\t').collect();
        if ind.len() == l.len() {
            continue;
        }
        margin = Some(match margin {
            None => ind,
            Some(m) if ind.starts_with(&m) => m,
            Some(m) if m.starts_with(&ind) => ind,
            Some(m) => m.chars().zip(ind.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect(),
        });
    }
    let m = margin.unwrap_or_default();
    lines.iter().map(|l| l.strip_prefix(m.as_str()).unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

/// Lines with their ends, as `str.splitlines(True)`.
fn lines_with_ends(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        cur.push(c);
        if c == '\r' && it.peek() == Some(&'\n') {
            cur.push('\n');
            it.next();
            out.push(std::mem::take(&mut cur));
        } else if "\n\r\x0b\x0c\x1c\x1d\x1e\u{85}\u{2028}\u{2029}".contains(c) {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Calls `textwrap.f(*pos, **kw)`.
pub fn call(it: &mut Interp<'_>, f: TextFn, pos: Vec<V>, mut kw: Kw) -> R<V> {
    let fname = f.name();
    match f {
        TextFn::Wrap | TextFn::Fill | TextFn::Shorten => {
            let text = text_arg(fname, &pos, &mut kw, 0, "text")?;
            let width = if f == TextFn::Shorten {
                match libobj::arg(&pos, &mut kw, 1, "width") {
                    Some(w) => w,
                    None => return type_err("shorten() missing 1 required positional argument: 'width'"),
                }
            } else {
                libobj::arg(&pos, &mut kw, 1, "width").unwrap_or(V::Int(70))
            };
            if pos.len() > 2 {
                return type_err(format!(
                    "{fname}() takes from 1 to 2 positional arguments but {} were given",
                    pos.len()
                ));
            }
            let mut w = Wrapper::from_kw(width, kw)?;
            if f == TextFn::Shorten {
                w.max_lines = Some(1);
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                return Ok(V::str(w.wrap(&text)?.join("\n")));
            }
            let lines = w.wrap(&text)?;
            Ok(if f == TextFn::Wrap {
                V::list(lines.into_iter().map(V::str).collect())
            } else {
                V::str(lines.join("\n"))
            })
        }
        TextFn::Dedent => {
            let text = text_arg(fname, &pos, &mut kw, 0, "text")?;
            libobj::no_more(fname, &kw)?;
            libobj::positional(fname, &pos, &["text"], 1)?;
            Ok(V::str(dedent(&text)))
        }
        TextFn::Indent => {
            let text = text_arg(fname, &pos, &mut kw, 0, "text")?;
            let prefix = match libobj::arg(&pos, &mut kw, 1, "prefix") {
                Some(p) => p,
                None => return type_err("indent() missing 1 required positional argument: 'prefix'"),
            };
            let pred = libobj::arg(&pos, &mut kw, 2, "predicate").unwrap_or(V::None);
            libobj::no_more(fname, &kw)?;
            libobj::positional(fname, &pos, &["text", "prefix", "predicate"], 2)?;
            let prefix = match prefix {
                V::Str(p) => p.to_string(),
                other => {
                    return type_err(format!("can only concatenate str (not \"{}\") to str", other.type_name()));
                }
            };
            let mut out = String::new();
            for line in lines_with_ends(&text) {
                let keep = match &pred {
                    V::None => !line.trim().is_empty(),
                    p => {
                        let r = it.call(p, vec![V::str(line.clone())], Vec::new())?;
                        it.truthy(&r)?
                    }
                };
                if keep {
                    out.push_str(&prefix);
                }
                out.push_str(&line);
            }
            Ok(V::str(out))
        }
    }
}

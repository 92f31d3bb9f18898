//! HTML building blocks: escaping, number formatting, tables, and the page skeleton
//! (inline CSS, an optional inline script that sorts tables, no external resource).

use std::fmt::Write as _;

/// Escapes text for HTML element content and double- or single-quoted attribute
/// values: `&`, `<`, `>`, `"` and `'` become character references, so an id or label
/// such as `<script>alert(1)</script>` is shown as text and never parsed as markup.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with `digits` decimals, or an en dash for a missing or non-finite value.
pub fn num(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => "–".to_string(),
    }
}

/// An interval `[low, high]` with `digits` decimals.
pub fn interval(low: f64, high: f64, digits: usize) -> String {
    format!("[{}, {}]", num(Some(low), digits), num(Some(high), digits))
}

/// An integer with thin-space thousands separators (`12 345`).
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A table cell: text to escape, or markup already safe.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Untrusted or plain text (escaped when rendered).
    Text(String),
    /// Lines of untrusted text, one under the other (each escaped).
    Lines(Vec<String>),
    /// A number shown right-aligned; `sort` is the value the sorting script uses.
    Num {
        /// What is shown.
        shown: String,
        /// The sort key (NaN sorts last).
        sort: f64,
    },
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A number cell with `digits` decimals (an en dash when missing).
    pub fn num(v: Option<f64>, digits: usize) -> Cell {
        Cell::Num {
            shown: num(v, digits),
            sort: v.filter(|x| x.is_finite()).unwrap_or(f64::NAN),
        }
    }

    /// An integer cell.
    pub fn int(n: u64) -> Cell {
        Cell::Num {
            shown: count(n),
            sort: n as f64,
        }
    }
}

/// Rows shown by [`table`]; the rest are left out, and the page says so.
pub const MAX_TABLE_ROWS: usize = 2000;

/// An HTML table with a header row; columns sort on a header click when scripts run.
/// At most [`MAX_TABLE_ROWS`] rows, in the order given (a note says how many more
/// there are).
pub fn table(headers: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut t = String::from("<table class=\"sortable\"><thead><tr>");
    for h in headers {
        let _ = write!(t, "<th>{}</th>", escape(h));
    }
    t.push_str("</tr></thead><tbody>\n");
    for row in rows.iter().take(MAX_TABLE_ROWS) {
        t.push_str("<tr>");
        for c in row {
            match c {
                Cell::Text(s) => {
                    let _ = write!(t, "<td>{}</td>", escape(s));
                }
                Cell::Lines(lines) => {
                    let shown: Vec<String> = lines.iter().map(|l| escape(l)).collect();
                    let _ = write!(t, "<td>{}</td>", shown.join("<br>"));
                }
                Cell::Num { shown, sort } => {
                    let key = if sort.is_finite() {
                        sort.to_string()
                    } else {
                        String::new()
                    };
                    let _ = write!(
                        t,
                        "<td class=\"n\" data-v=\"{}\">{}</td>",
                        escape(&key),
                        escape(shown)
                    );
                }
            }
        }
        t.push_str("</tr>\n");
    }
    t.push_str("</tbody></table>\n");
    if rows.len() > MAX_TABLE_ROWS {
        let _ = writeln!(
            t,
            "<p class=\"note\">The first {MAX_TABLE_ROWS} of {} rows, in the order above.</p>",
            rows.len()
        );
    }
    t
}

/// A definition list of `(term, value)` pairs (both escaped).
pub fn facts(pairs: &[(&str, String)]) -> String {
    let mut t = String::from("<dl class=\"facts\">");
    for (k, v) in pairs {
        let _ = write!(t, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
    }
    t.push_str("</dl>\n");
    t
}

/// A paragraph of escaped text.
pub fn para(s: &str) -> String {
    format!("<p>{}</p>\n", escape(s))
}

/// A figure: an inline SVG (from plotters) and an escaped caption.
pub fn figure(svg: &str, caption: &str) -> String {
    format!(
        "<figure>{svg}<figcaption>{}</figcaption></figure>\n",
        escape(caption)
    )
}

/// A bulleted list of escaped lines (nothing when empty).
pub fn list(lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut t = String::from("<ul>");
    for l in lines {
        let _ = write!(t, "<li>{}</li>", escape(l));
    }
    t.push_str("</ul>\n");
    t
}

/// One section of the page: an anchor id (a fixed ASCII name), a title and its body
/// (markup built from the helpers above).
#[derive(Debug, Clone)]
pub struct Section {
    /// Anchor id.
    pub id: &'static str,
    /// Heading.
    pub title: &'static str,
    /// Body markup.
    pub body: String,
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;\
margin:0 auto;max-width:1100px;padding:0 1.2em 3em;color:#222;line-height:1.4}\
h1{margin-top:.8em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}\
nav a{margin-right:1em}table{border-collapse:collapse;margin:.6em 0;font-size:.9em}\
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#f3f3f3;cursor:pointer}td.n{text-align:right;font-variant-numeric:tabular-nums}\
figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}\
figcaption{font-size:.85em;color:#555;max-width:560px}svg{max-width:100%;height:auto}\
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.15em 1em}\
dl.facts dt{color:#555}dl.facts dd{margin:0;font-variant-numeric:tabular-nums}\
.note{color:#555;font-size:.9em}.warn{color:#8a4b00}";

/// The base64 SHA-256 of [`SCRIPT`]: the page's Content-Security-Policy lets this one
/// script run and no other, so a script that ever slipped into the page past the
/// escaping would still be refused by the browser (checked by a test here and by
/// `scripts/check-report.sh`, where Chromium would refuse the sorter).
const SCRIPT_SHA256: &str = "RygEYNgnDcJkz8iApQ0UsF5jBj3Ua7M5IBkaXLmxd0o=";

/// Sorts a table by a clicked header: numbers by `data-v`, text otherwise. The report
/// reads the same without it.
const SCRIPT: &str = "document.querySelectorAll('table.sortable th').forEach(function(th){\
th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],\
i=Array.prototype.indexOf.call(th.parentNode.children,th),d=th.dataset.d==='a'?'d':'a';\
th.dataset.d=d;var r=Array.prototype.slice.call(b.rows);r.sort(function(x,y){\
var p=x.cells[i],q=y.cells[i],a=p.dataset.v,c=q.dataset.v,o;\
if(a!==undefined&&c!==undefined){a=a===''?Infinity:+a;c=c===''?Infinity:+c;o=a-c;}\
else{o=p.textContent.localeCompare(q.textContent);}return d==='a'?o:-o;});\
r.forEach(function(x){b.appendChild(x);});});});";

/// The whole page: title, navigation, sections; one file with nothing to fetch.
pub fn page(title: &str, subtitle: &str, sections: &[Section]) -> String {
    let mut h = String::with_capacity(1 << 16);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    // nothing may be loaded from anywhere: only this file's own style and script run
    let _ = writeln!(
        h,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'sha256-{SCRIPT_SHA256}'\">"
    );
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>{}</title>", escape(title));
    let _ = writeln!(h, "<style>{STYLE}</style></head><body>");
    let _ = writeln!(h, "<h1>{}</h1>", escape(title));
    let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(subtitle));
    h.push_str("<nav>");
    for s in sections {
        let _ = write!(h, "<a href=\"#{}\">{}</a>", s.id, escape(s.title));
    }
    h.push_str("</nav>\n");
    for s in sections {
        let _ = write!(
            h,
            "<section id=\"{}\"><h2>{}</h2>\n{}</section>\n",
            s.id,
            escape(s.title),
            s.body
        );
    }
    let _ = writeln!(h, "<script>{SCRIPT}</script>\n</body></html>");
    h
}

#[cfg(test)]
mod tests;

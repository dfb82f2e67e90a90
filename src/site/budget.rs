//! `site.max_bytes`: the most bytes a built site may hold (GitHub Pages
//! refuses a published site over 1 GB). A build whose files add up to more
//! fails before its folder replaces the output, with the biggest
//! contributors: by page family (folder) and the largest files.

use std::collections::BTreeMap;

use crate::util::text::count;

/// Families and files named in the error.
const TOP: usize = 5;

/// `Err` with a message naming the biggest contributors when the files
/// (`(path, bytes)`) add up to more than `max` bytes.
pub fn check<'a>(files: impl IntoIterator<Item = (&'a str, u64)>, max: u64) -> Result<(), String> {
    let mut total = 0u64;
    let mut n = 0usize;
    let mut families: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
    let mut largest: Vec<(u64, &str)> = Vec::new();
    for (path, len) in files {
        total += len;
        n += 1;
        let family = match path.rsplit_once('/') {
            Some((dir, _)) => dir,
            None => path,
        };
        let f = families.entry(family).or_default();
        f.0 += len;
        f.1 += 1;
        largest.push((len, path));
    }
    if total <= max {
        return Ok(());
    }
    // Biggest first; ties by path, so the message is the same every time.
    let mut families: Vec<(&str, u64, usize)> = families.into_iter().map(|(k, (b, c))| (k, b, c)).collect();
    families.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let k = TOP.min(largest.len());
    if k > 0 && k < largest.len() {
        largest.select_nth_unstable_by(k - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    }
    largest.truncate(k);
    largest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let fams: Vec<String> = families
        .iter()
        .take(TOP)
        .map(|(f, b, c)| {
            let name = if *c == 1 && !f.contains('/') && f.contains('.') { f.to_string() } else { format!("{f}/") };
            format!("{name} {} ({})", human(*b), count(*c, "file"))
        })
        .collect();
    let files: Vec<String> = largest.iter().map(|(b, p)| format!("{p} {}", human(*b))).collect();
    Err(format!(
        "the site would be {} in {}, more than site.max_bytes ({}) in cairn.yml; the site was not written. \
Biggest families: {}. Largest files: {}.",
        human(total),
        count(n, "file"),
        human(max),
        fams.join(", "),
        files.join(", ")
    ))
}

/// Bytes in decimal units, as hosts count them: `999 B`, `1.5 kB`,
/// `210.2 MB`, `1.02 GB`.
pub fn human(b: u64) -> String {
    const UNITS: [(&str, f64); 3] = [("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (u, d) in UNITS {
        if b as f64 >= d {
            let v = b as f64 / d;
            return if v < 10.0 { format!("{v:.2} {u}") } else { format!("{v:.1} {u}") };
        }
    }
    format!("{b} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_the_limit_is_fine() {
        assert!(check([("a.html", 10), ("b/c.html", 20)], 30).is_ok());
        assert!(check(std::iter::empty(), 0).is_ok());
    }

    #[test]
    fn over_the_limit_names_families_and_files_biggest_first() {
        let files = [
            ("index.html", 100u64),
            ("impact/a.html", 3000),
            ("impact/b.html", 2000),
            ("items/a.html", 1500),
            ("api/v1/items/a.json", 50),
        ];
        let total: u64 = files.iter().map(|f| f.1).sum();
        let e = check(files, total - 1).unwrap_err();
        assert!(e.starts_with(&format!("the site would be {} in 5 files", human(total))), "{e}");
        assert!(e.contains("Biggest families: impact/ 5.00 kB (2 files), items/ 1.50 kB (1 file), index.html 100 B (1 file), api/v1/items/ 50 B (1 file)."), "{e}");
        assert!(e.contains("Largest files: impact/a.html 3.00 kB, impact/b.html 2.00 kB, items/a.html 1.50 kB, index.html 100 B, api/v1/items/a.json 50 B."), "{e}");
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(999), "999 B");
        assert_eq!(human(1_500), "1.50 kB");
        assert_eq!(human(210_226_000), "210.2 MB");
        assert_eq!(human(1_020_000_000), "1.02 GB");
    }
}

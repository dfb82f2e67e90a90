//! "Did you mean …?" hints.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = word.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        let c_lower = c.to_lowercase();
        let score = if c_lower == lower || c_lower.replace(['_', '-', ' '], "") == lower.replace(['_', '-', ' '], "") {
            1.0
        } else {
            strsim::jaro_winkler(&lower, &c_lower)
        };
        if score >= 0.85 && best.is_none_or(|(s, b)| score > s || (score == s && c < b)) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `"; did you mean `x`?"` or the empty string.
pub fn hint<'a, I>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match did_you_mean(word, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

/// Up to `max` candidates close to `word`, closest first, ties by name:
/// likely typos (a little looser than [`did_you_mean`]), and names that
/// contain `word` or are contained in it, ignoring case, `-`, `_` and
/// spaces (`login` finds `log-in-form`). One pass over the candidates.
pub fn closest<'a, I>(word: &str, candidates: I, max: usize) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let squash = |s: &str| s.to_lowercase().replace(['_', '-', ' '], "");
    let lower = word.to_lowercase();
    let squashed = squash(word);
    let mut scored: Vec<(f64, &'a str)> = Vec::new();
    for c in candidates {
        let c_squashed = squash(c);
        let contains = squashed.chars().count() >= 3
            && (c_squashed.contains(&squashed) || (c_squashed.chars().count() >= 3 && squashed.contains(&c_squashed)));
        let score = if c_squashed == squashed {
            1.0
        } else {
            strsim::jaro_winkler(&lower, &c.to_lowercase()).max(if contains { 0.9 } else { 0.0 })
        };
        if score >= 0.8 {
            scored.push((score, c));
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut out: Vec<&'a str> = Vec::new();
    for (_, c) in scored {
        if out.len() == max {
            break;
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// `"; did you mean `a`, `b` or `c`?"` with up to `max` [`closest`]
/// candidates, or the empty string.
pub fn hint_many<'a, I>(word: &str, candidates: I, max: usize) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    let names: Vec<String> = closest(word, candidates, max).iter().map(|c| format!("`{c}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => format!("; did you mean {last}?"),
        Some((last, rest)) => format!("; did you mean {} or {last}?", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos() {
        let statuses = ["backlog", "ready", "in_progress", "review", "done"];
        assert_eq!(did_you_mean("inprogress", statuses), Some("in_progress"));
        assert_eq!(did_you_mean("In-Progress", statuses), Some("in_progress"));
        assert_eq!(did_you_mean("asignee", ["assignee", "estimate"]), Some("assignee"));
        assert_eq!(did_you_mean("zzz", statuses), None);
    }

    #[test]
    fn closest_ranks_typos_and_parts() {
        let ids = ["log-in-form", "log-in-page", "sign-up", "checkout", "login", "logout"];
        // The exact match (ignoring separators) first, then by score, then by name.
        let got = closest("Log_In", ids, 3);
        assert_eq!(got[0], "login");
        assert_eq!(got.len(), 3);
        assert!(got[1..].iter().all(|c| ["log-in-form", "log-in-page", "logout"].contains(c)), "{got:?}");
        // Containment: a part of an id finds every id that holds it.
        let got = closest("in-page", ids, 5);
        assert_eq!(got, ["log-in-page"]);
        assert_eq!(closest("chekout", ids, 5), ["checkout"]);
        assert!(closest("zzzz", ids, 5).is_empty());
        // Duplicates are named once; at most `max`.
        assert_eq!(closest("sign-up", ["sign-up", "sign-up", "sign-ups"], 5), ["sign-up", "sign-ups"]);
        assert_eq!(closest("sign-up", ["sign-up", "sign-ups"], 1), ["sign-up"]);
        assert_eq!(hint_many("chekout", ids, 3), "; did you mean `checkout`?");
        assert_eq!(hint_many("sign-up", ["sign-up-2", "sign-ups"], 3), "; did you mean `sign-ups` or `sign-up-2`?");
        assert_eq!(hint_many("zzzz", ids, 3), "");
    }
}

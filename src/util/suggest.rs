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
}

//! "Did you mean …?" hints.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    Suggester::new(candidates).best(word)
}

/// [`hint`] for many words against one large candidate list (every item
/// id): the candidates are lower-cased once, each word is answered once,
/// and the comparisons of one `Suggester` are capped at `budget` in total,
/// so a backlog with thousands of unknown references stays linear (about
/// the first `budget / candidates` distinct words get a hint; the rest none,
/// the same ones every run).
pub struct Suggester<'a> {
    candidates: Vec<(&'a str, String, String)>,
    answered: std::collections::HashMap<String, String>,
    budget: usize,
}

/// Comparisons one [`Suggester`] makes at most (about a quarter of a second).
pub const SUGGEST_BUDGET: usize = 2_000_000;

impl<'a> Suggester<'a> {
    pub fn new<I: IntoIterator<Item = &'a str>>(candidates: I) -> Suggester<'a> {
        let squash = |s: &str| s.replace(['_', '-', ' '], "");
        let candidates = candidates
            .into_iter()
            .map(|c| {
                let lower = c.to_lowercase();
                let squashed = squash(&lower);
                (c, lower, squashed)
            })
            .collect();
        Suggester { candidates, answered: std::collections::HashMap::new(), budget: SUGGEST_BUDGET }
    }

    /// The candidate closest to `word` ([`did_you_mean`]): equal ignoring
    /// case, `-`, `_` and spaces, else the best Jaro-Winkler score of at
    /// least 0.85, ties by name.
    pub fn best(&self, word: &str) -> Option<&'a str> {
        let lower = word.to_lowercase();
        let squashed = lower.replace(['_', '-', ' '], "");
        let mut best: Option<(f64, &'a str)> = None;
        for (c, c_lower, c_squashed) in &self.candidates {
            let score =
                if *c_lower == lower || *c_squashed == squashed { 1.0 } else { strsim::jaro_winkler(&lower, c_lower) };
            if score >= 0.85 && best.is_none_or(|(s, b)| score > s || (score == s && *c < b)) {
                best = Some((score, c));
            }
        }
        best.map(|(_, c)| c)
    }

    /// As [`hint`]: `"; did you mean `x`?"` or the empty string.
    pub fn hint(&mut self, word: &str) -> String {
        if let Some(h) = self.answered.get(word) {
            return h.clone();
        }
        if self.budget < self.candidates.len() {
            return String::new();
        }
        self.budget -= self.candidates.len();
        let h = self.best(word).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
        self.answered.insert(word.to_string(), h.clone());
        h
    }
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
    #[test]
    fn the_suggester_agrees_with_hint_and_stops_at_its_budget() {
        let ids: Vec<String> = (0..1000).map(|k| format!("story-{k:04}")).collect();
        let mut sg = super::Suggester::new(ids.iter().map(|s| s.as_str()));
        for w in ["story-0O12", "Story_0012", "nothing-alike", "storry-0999"] {
            assert_eq!(sg.hint(w), super::hint(w, ids.iter().map(|s| s.as_str())), "{w}");
        }
        // The budget holds about SUGGEST_BUDGET / 1000 distinct words.
        let answered = (0..5000).filter(|k| !sg.hint(&format!("story-{k:04}x")).is_empty()).count();
        assert!(answered < super::SUGGEST_BUDGET / 1000, "{answered}");
        assert!(answered > super::SUGGEST_BUDGET / 2000, "{answered}");
    }

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

//! English for messages: counts with the right noun form ("1 warning",
//! "3 warnings", "2,431 stories") and articles ("a story", "an epic").
//! Kind names come from cairn.yml, so the rules work on any word.

/// `2431` → `2,431`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The plural of an English noun (or a kind name): `story` → `stories`,
/// `bug` → `bugs`, `fix` → `fixes`, `prd` → `prds`, `child` → `children`.
pub fn plural(noun: &str) -> String {
    const IRREGULAR: [(&str, &str); 2] = [("child", "children"), ("person", "people")];
    if let Some((_, many)) = IRREGULAR.iter().find(|(one, _)| *one == noun) {
        return (*many).to_string();
    }
    let lower = noun.to_ascii_lowercase();
    let vowel = |c: char| "aeiou".contains(c);
    if let Some(stem) = noun.strip_suffix(['y', 'Y']) {
        if stem.chars().last().is_some_and(|c| !vowel(c.to_ascii_lowercase())) {
            return format!("{stem}ies");
        }
    }
    if ["s", "x", "z", "ch", "sh"].iter().any(|e| lower.ends_with(e)) {
        return format!("{noun}es");
    }
    format!("{noun}s")
}

/// The singular or the plural of `noun`: the singular only for exactly one.
pub fn noun(is_one: bool, noun: &str) -> String {
    if is_one {
        noun.to_string()
    } else {
        plural(noun)
    }
}

/// `1 warning`, `0 warnings`, `2,431 items`.
pub fn count(n: usize, singular: &str) -> String {
    format!("{} {}", thousands(n), noun(n == 1, singular))
}

/// `a story`, `an epic`, `an initiative`, `a user-story`: the indefinite
/// article by the first letter's sound, for the common cases.
pub fn a(word: &str) -> String {
    format!("{} {word}", article(word))
}

/// `a` or `an` before `word`.
pub fn article(word: &str) -> &'static str {
    let lower = word.to_lowercase();
    // A "u" said "you" (use, user, unit, unique, usual, utility) takes "a";
    // so does "one".
    const YOU: [&str; 6] = ["uni", "use", "usu", "uti", "ure", "uro"];
    if YOU.iter().any(|p| lower.starts_with(p)) || lower.starts_with("one") {
        return "a";
    }
    match lower.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separator() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn plurals_of_kinds_and_nouns() {
        let cases = [
            ("story", "stories"),
            ("epic", "epics"),
            ("initiative", "initiatives"),
            ("prd", "prds"),
            ("bug", "bugs"),
            ("task", "tasks"),
            ("feature", "features"),
            ("sprint", "sprints"),
            ("dependency", "dependencies"),
            ("day", "days"),
            ("key", "keys"),
            ("journey", "journeys"),
            ("fix", "fixes"),
            ("class", "classes"),
            ("patch", "patches"),
            ("child", "children"),
            ("warning", "warnings"),
            ("Story", "Stories"),
        ];
        for (one, many) in cases {
            assert_eq!(plural(one), many, "{one}");
        }
        assert_eq!(count(1, "warning"), "1 warning");
        assert_eq!(count(0, "warning"), "0 warnings");
        assert_eq!(count(2431, "story"), "2,431 stories");
        assert_eq!(noun(false, "day"), "days");
    }

    #[test]
    fn articles() {
        for w in ["epic", "initiative", "item", "open item", "urgent", "Epic"] {
            assert_eq!(article(w), "an", "{w}");
        }
        for w in ["story", "bug", "task", "prd", "user-story", "unit", "use-case", "one-pager", "sprint"] {
            assert_eq!(article(w), "a", "{w}");
        }
        assert_eq!(a("epic"), "an epic");
    }
}

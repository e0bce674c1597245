//! Human numbers: sizes, counts, ages and dates. A leaf: it uses nothing else of ours, so every
//! layer (s3 included) may use it. Times are seconds since the Unix epoch.

/// `1536` → `1.5 KiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `1234567` → `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in seconds as one coarse unit: `45s`, `12m`, `5h`, `3d`, `7w`, `2y`.
pub fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3_600 => format!("{}m", s / 60),
        3_600..86_400 => format!("{}h", s / 3_600),
        86_400..1_209_600 => format!("{}d", s / 86_400),
        1_209_600..31_536_000 => format!("{}w", s / 604_800),
        _ => format!("{}y", s / 31_536_000),
    }
}

/// How long ago `then` was, seen from `now`: `3d ago`.
pub fn age(then: Option<i64>, now: i64) -> String {
    match then {
        Some(t) if t > now => "just now".to_owned(),
        Some(t) => format!("{} ago", span(now - t)),
        None => "-".to_owned(),
    }
}

/// `2026-11-25 14:03` (UTC).
pub fn date(ts: Option<i64>) -> String {
    let Some(ts) = ts else { return "-".to_owned() };
    match time::OffsetDateTime::from_unix_timestamp(ts) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => "-".to_owned(),
    }
}

/// RFC 3339, for JSON output.
pub fn rfc3339(ts: Option<i64>) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(ts?).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// Parses `30m`, `12h`, `7d`, `2w` (and anything humantime accepts) into seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let seconds_per = match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3_600),
        "d" => Some(86_400),
        "w" => Some(604_800),
        _ => None,
    };
    if let (Ok(n), Some(per)) = (number.parse::<i64>(), seconds_per) {
        return n
            .checked_mul(per)
            .ok_or_else(|| format!("{text:?} is too long"));
    }
    humantime::parse_duration(text)
        .map(|d| d.as_secs() as i64)
        .map_err(|_| format!("{text:?} is not a duration; try 30m, 12h, 7d or 2w"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_counts_ages() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(age(Some(0), 3 * 86_400), "3d ago");
        assert_eq!(age(None, 5), "-");
        assert_eq!(date(Some(0)), "1970-01-01 00:00");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(1_800));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("2w"), Ok(1_209_600));
        assert_eq!(parse_duration("1day"), Ok(86_400));
        assert!(parse_duration("soon").is_err());
    }
}

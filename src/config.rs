//! Optional TOML configuration (`~/.config/partsweep/config.toml` or `--config FILE`), and
//! where the user's `keybindings.toml` lives.
//! Command-line options win over the file; the file wins over built-in defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub path_style: Option<bool>,
    pub read_only: Option<bool>,
    /// Aborts in flight at once.
    pub concurrency: Option<usize>,
    /// Uploads asked for per ListMultipartUploads page (1–1000).
    pub page_size: Option<i32>,
    /// Storage price in USD per GB-month, for the cost estimate of incomplete uploads.
    pub price_per_gb_month: Option<f64>,
}

pub const EXAMPLE: &str = include_str!("../assets/config.example.toml");

/// `$XDG_CONFIG_HOME/partsweep`, else `~/.config/partsweep`.
pub fn dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("partsweep"))
}

pub fn default_path() -> Option<PathBuf> {
    Some(dir()?.join("config.toml"))
}

/// The user's keybindings, laid over `assets/keybindings.toml` (see `keys::Keymap::load`).
pub fn keybindings_path() -> Option<PathBuf> {
    Some(dir()?.join("keybindings.toml"))
}

impl Config {
    /// Reads `explicit` (which must exist) or the default file (which may not).
    pub fn load(explicit: Option<&Path>) -> Result<Config, String> {
        let (path, required) = match explicit {
            Some(path) => (path.to_owned(), true),
            None => match default_path() {
                Some(path) => (path, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(err) if !required && err.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(err) => Err(format!("cannot read {}: {err}", path.display())),
        }
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(size) = config.page_size
            && !(1..=1000).contains(&size)
        {
            return Err(format!("page_size must be 1–1000, not {size}"));
        }
        if let Some(price) = config.price_per_gb_month
            && !(price.is_finite() && price >= 0.0)
        {
            return Err(format!(
                "price_per_gb_month must be a price of 0 or more, not {price}"
            ));
        }
        if config.concurrency == Some(0) {
            return Err("concurrency must be at least 1".into());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses() {
        let config = Config::parse(EXAMPLE).expect("example config");
        assert_eq!(config.concurrency, Some(256));
        assert_eq!(config.price_per_gb_month, None);
    }

    #[test]
    fn a_price_per_gb_month_is_read_and_a_negative_one_refused() {
        let config = Config::parse("price_per_gb_month = 0.0125").expect("price");
        assert_eq!(config.price_per_gb_month, Some(0.0125));
        assert!(
            Config::parse("price_per_gb_month = -1.0")
                .expect_err("negative")
                .contains("price_per_gb_month")
        );
    }

    #[test]
    fn bad_values_are_named() {
        assert!(
            Config::parse("page_size = 5000")
                .expect_err("range")
                .contains("page_size")
        );
        assert!(
            Config::parse("colour = 1")
                .expect_err("unknown")
                .contains("colour")
        );
    }
}

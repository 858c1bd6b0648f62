//! The four outcomes a check can have (DESIGN.md §3).
use serde::{Deserialize, Serialize};

/// What one check concluded. Stored as its SCREAMING_SNAKE_CASE name in D1 and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckStatus {
    Up,
    Down,
    Timeout,
    BotDetected,
}

impl CheckStatus {
    pub const ALL: [CheckStatus; 4] = [Self::Up, Self::Down, Self::Timeout, Self::BotDetected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "UP",
            Self::Down => "DOWN",
            Self::Timeout => "TIMEOUT",
            Self::BotDetected => "BOT_DETECTED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for CheckStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for status in CheckStatus::ALL {
            assert_eq!(CheckStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(CheckStatus::parse("up"), None);
    }
}

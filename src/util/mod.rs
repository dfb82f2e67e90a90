//! Small helpers shared by the stages: dates, did-you-mean, atomic writes,
//! the key of caches.

pub mod fs;
pub mod suggest;
pub mod time;

/// Which build of cairn wrote a cache: the version, and the size and
/// modification time of the running executable, so that a rebuilt binary
/// of the same version (a developer's, or one installed from another
/// commit) never reads what different code computed.
pub fn build_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let exe = std::env::current_exe().and_then(std::fs::metadata).ok();
        let stamp = exe.map(|m| crate::load::cache::Stamp::of(&m).brief()).unwrap_or_default();
        format!("{} {stamp}", env!("CARGO_PKG_VERSION"))
    })
}

// mimalloc: loading builds ~15 small allocations per item on two threads;
// measured faster and leaner than the system allocator (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` and `mi_option_purge_delay` in mimalloc's
/// `mi_option_t` (the same numbers in its v2 and v3 headers).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Return memory freed after parsing to the OS at once and commit arena
    // memory only when used: the same speed, about 40 MB less peak memory at
    // 100,000 items (BENCHMARKS.md, "check").
    // SAFETY: `mi_option_set` stores an integer option; no other thread
    // exists yet, so nothing races with it.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
    cairn::cli::main()
}

//! `--with-history`: the source's change list as git commits.

//! recursion (in progress)

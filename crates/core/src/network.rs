//! network (in progress)

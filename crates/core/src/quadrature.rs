//! quadrature (in progress)

//! `App::update` routing: which modal gets a key, and what a running job lets through.

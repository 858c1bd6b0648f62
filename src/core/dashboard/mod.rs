//! The web dashboard under `/app` (DESIGN.md §10): pure view models and HTML writers. The glue
//! in `routes::dashboard` reads D1, checks the session and CSRF token, and passes plain values
//! in; everything here is host-tested. No `worker` imports, no clock, no I/O.
pub mod form; // submitted forms -> the API's JSON, the CSRF check, kept input and inline errors
pub mod html; // the escaping writer, page chrome, form widgets
pub mod monitor; // monitor form, detail page, delete confirmation
pub mod notices; // incident updates and notices: an incident's page, notices, the update form
pub mod overview; // the overview with 4-hour strips
pub mod session; // session cookies and the security headers of every page
pub mod settings; // projects, endpoints, maintenance, tokens, export/import, account, users

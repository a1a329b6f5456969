//! # results-view
//!
//! The read model of an election night, shared by the Urne server and the
//! kiosk: what the public (and the central desk) see, how it travels over
//! the live WebSocket, and the public pages that show it. It holds no
//! database and no secret: the kiosk runs on it with `election-data` alone.
//!
//! Layout, in the order a change flows:
//!
//! - [`time`]: the clock and every date conversion (jiff, bundled tz data).
//! - [`live`]: [`live::LiveElection`], the in-memory state of one election
//!   (desk and public views, updated incrementally), and
//!   [`live::PublicView`], the one embargo filter every public reader uses.
//! - [`protocol`]: the typed messages of the live WebSocket (snapshot,
//!   change, seq), encoded by the hub and decoded by the kiosk and the load
//!   tool.
//! - [`hub`]: per-election topics: writer lock, ring of recent frames,
//!   broadcast channel, snapshot cache, the [`hub::Feed`] a connection forwards.
//! - [`ws`]: the WebSocket upgrade and the per-connection forwarding loop;
//!   [`deflate`]: permessage-deflate, negotiated there and compressed once per frame.
//! - [`pages`]: the public pages (maud), the big screen, the page cache,
//!   the feed document, the static copy, i18n and number formats, and the
//!   public router over a [`pages::PublicState`].
//! - [`charts`]: the SVG charts of the pages; [`assets`]: `web/`, embedded.

pub mod assets;
pub mod charts;
pub mod deflate;
pub mod hub;
pub mod live;
pub mod pages;
pub mod protocol;
pub mod time;
pub mod ws;

pub use hub::{Topic, Topics, View};
pub use live::{LiveElection, PublicView};
pub use pages::PublicState;

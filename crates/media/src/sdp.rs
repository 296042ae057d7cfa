//! The minimal SDP (RFC 4566 / RFC 3264 offer-answer) a G.711 phone call needs: render our
//! offer or answer, parse the other side's, and agree on address, codec and DTMF payload type.
//!
//! Hand-rolled on purpose: telephony SDP is a dozen line types, and parsing only those keeps
//! the parser small enough to fuzz and reason about. Unknown lines are ignored.

use std::net::{IpAddr, SocketAddr};

use crate::g711::Codec;

/// RFC 3551's packetisation interval for G.711 when the SDP does not say.
pub const DEFAULT_PTIME_MS: u32 = 20;
/// The telephone-event clock rate every SIP endpoint uses with G.711.
const TELEPHONE_EVENT_RATE: u32 = 8000;

/// Why an SDP could not be parsed or negotiated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// The text does not start with `v=0`.
    #[error("not an SDP body")]
    NotSdp,
    /// An `m=` line without a valid port or protocol.
    #[error("malformed media line: {0}")]
    BadMedia(String),
    /// A `c=` line whose address does not parse.
    #[error("malformed connection line: {0}")]
    BadConnection(String),
    /// No `m=audio` section.
    #[error("no audio stream in SDP")]
    NoAudio,
    /// The audio stream has port 0: the other side declined it.
    #[error("audio stream rejected (port 0)")]
    Rejected,
    /// The audio stream is not plain RTP (e.g. SRTP's RTP/SAVP).
    #[error("unsupported media protocol {0}")]
    UnsupportedProtocol(String),
    /// None of the offered codecs is acceptable to both sides.
    #[error("no common codec")]
    NoCommonCodec,
    /// Neither the session nor the audio stream has a `c=` address.
    #[error("no connection address for audio")]
    NoConnectionAddress,
}

/// A stream's direction attribute, from the point of view of whoever wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `a=sendrecv` (the default).
    SendRecv,
    /// `a=sendonly`.
    SendOnly,
    /// `a=recvonly`.
    RecvOnly,
    /// `a=inactive`.
    Inactive,
}

impl Direction {
    /// The attribute name, e.g. `"sendrecv"`.
    pub fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction for an attribute name (case-sensitive, as RFC 4566 defines them).
    pub fn from_attribute(name: &str) -> Option<Direction> {
        [Direction::SendRecv, Direction::SendOnly, Direction::RecvOnly, Direction::Inactive]
            .into_iter()
            .find(|direction| direction.attribute() == name)
    }

    /// The same stream seen from the other end: their `sendonly` is our `recvonly`.
    pub fn reversed(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            other => other,
        }
    }

    /// Whether media flows out from the side this direction describes.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether media flows in to the side this direction describes.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }
}

/// What we offer: one audio stream of G.711 plus telephone-events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The `o=` session id (also used as its version).
    pub session_id: u64,
    /// Where we receive RTP.
    pub address: IpAddr,
    /// Our RTP port.
    pub port: u16,
    /// Codecs in order of preference.
    pub codecs: Vec<Codec>,
    /// The dynamic payload type we use for telephone-event (commonly 101).
    pub telephone_event_pt: u8,
    /// The packetisation interval we want to receive.
    pub ptime_ms: u32,
}

impl Offer {
    /// Renders the offer as CRLF-terminated SDP.
    pub fn to_sdp(&self) -> String {
        let formats: Vec<(u8, Codec)> = self.codecs.iter().map(|&codec| (codec.payload_type(), codec)).collect();
        render(self, &formats, Some(self.telephone_event_pt), Direction::SendRecv)
    }
}

/// One `a=rtpmap` attribute: what a payload type means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// The payload type being described.
    pub payload_type: u8,
    /// Encoding name as written (compare case-insensitively).
    pub encoding: String,
    /// Clock rate in Hz.
    pub clock_rate: u32,
}

/// The first `m=audio` section of an SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// RTP port; 0 means the stream is rejected or disabled.
    pub port: u16,
    /// Transport protocol, e.g. `RTP/AVP`.
    pub proto: String,
    /// Payload types in the order listed (the writer's preference).
    pub formats: Vec<u8>,
    /// Media-level `c=` address, which overrides the session-level one.
    pub connection: Option<IpAddr>,
    /// The `a=rtpmap` attributes.
    pub rtpmaps: Vec<RtpMap>,
    /// The `a=fmtp` attributes as (payload type, parameters).
    pub fmtps: Vec<(u8, String)>,
    /// `a=ptime`, if given.
    pub ptime_ms: Option<u32>,
    /// Media-level direction attribute, if given.
    pub direction: Option<Direction>,
}

impl MediaDescription {
    /// The `a=rtpmap` for a payload type, if any.
    pub fn rtpmap(&self, payload_type: u8) -> Option<&RtpMap> {
        self.rtpmaps.iter().find(|map| map.payload_type == payload_type)
    }

    /// Which G.711 codec a payload type carries: by rtpmap, or by static number without one.
    pub fn codec_for(&self, payload_type: u8) -> Option<Codec> {
        match self.rtpmap(payload_type) {
            Some(map) if map.clock_rate == 8000 => Codec::from_name(&map.encoding),
            Some(_) => None,
            None => Codec::from_payload_type(payload_type),
        }
    }

    /// The first listed payload type mapped to `telephone-event/8000`.
    pub fn telephone_event_pt(&self) -> Option<u8> {
        self.formats.iter().copied().find(|&pt| {
            self.rtpmap(pt).is_some_and(|map| {
                map.encoding.eq_ignore_ascii_case("telephone-event") && map.clock_rate == TELEPHONE_EVENT_RATE
            })
        })
    }
}

/// The parts of a parsed SDP that matter for an audio call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// Session-level `c=` address.
    pub connection: Option<IpAddr>,
    /// Session-level direction attribute, if given.
    pub direction: Option<Direction>,
    /// The first `m=audio` section; later media sections are ignored.
    pub audio: Option<MediaDescription>,
}

impl SessionDescription {
    /// Where the audio goes: the media-level `c=` if present, else the session-level one.
    pub fn audio_address(&self) -> Option<IpAddr> {
        self.audio.as_ref().and_then(|audio| audio.connection).or(self.connection)
    }

    /// The audio direction as written: media level, else session level, else `sendrecv`.
    pub fn audio_direction(&self) -> Direction {
        self.audio.as_ref().and_then(|audio| audio.direction).or(self.direction).unwrap_or(Direction::SendRecv)
    }
}

/// What both sides agreed on for the call's audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Where to send RTP.
    pub remote: SocketAddr,
    /// The codec to send and expect.
    pub codec: Codec,
    /// The payload type carrying `codec` (the one the remote listed).
    pub payload_type: u8,
    /// The remote's telephone-event payload type, if it supports RFC 4733 DTMF.
    pub telephone_event_pt: Option<u8>,
    /// The remote's packetisation interval (default 20 ms).
    pub ptime_ms: u32,
    /// Our direction: the remote's attribute reversed (their `sendonly` means we only receive).
    pub direction: Direction,
}

/// Parses an SDP body, tolerating LF or CRLF line ends and ignoring unknown lines.
pub fn parse(text: &str) -> Result<SessionDescription, SdpError> {
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    if lines.next() != Some("v=0") {
        return Err(SdpError::NotSdp);
    }
    let mut session = SessionDescription { connection: None, direction: None, audio: None };
    let mut section = Section::Session;
    for line in lines {
        let Some((kind, value)) = line.split_once('=') else { continue };
        match (kind, section) {
            ("m", _) => section = start_media(&mut session, value)?,
            ("c", Section::Session) => session.connection = Some(parse_connection(value)?),
            ("c", Section::Audio) => audio_mut(&mut session)?.connection = Some(parse_connection(value)?),
            ("a", Section::Session) => session.direction = Direction::from_attribute(value).or(session.direction),
            // Malformed attributes are skipped, like unknown ones.
            ("a", Section::Audio) => _ = parse_media_attribute(audio_mut(&mut session)?, value),
            _ => {}
        }
    }
    Ok(session)
}

/// Which part of the SDP the parser is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before the first `m=` line.
    Session,
    /// Inside the first audio section.
    Audio,
    /// Inside any other media section, whose lines are skipped.
    Other,
}

/// Handles an `m=` line: the first audio one starts the section we keep.
fn start_media(session: &mut SessionDescription, value: &str) -> Result<Section, SdpError> {
    if session.audio.is_some() || value.split_whitespace().next() != Some("audio") {
        return Ok(Section::Other);
    }
    session.audio = Some(parse_media_line(value)?);
    Ok(Section::Audio)
}

fn audio_mut(session: &mut SessionDescription) -> Result<&mut MediaDescription, SdpError> {
    session.audio.as_mut().ok_or(SdpError::NoAudio)
}

/// Parses `audio <port>[/<count>] <proto> <fmt>...`; non-numeric formats are skipped.
fn parse_media_line(value: &str) -> Result<MediaDescription, SdpError> {
    let bad = || SdpError::BadMedia(value.to_owned());
    let mut fields = value.split_whitespace().skip(1);
    let port_field = fields.next().ok_or_else(bad)?;
    let port_text = port_field.split_once('/').map_or(port_field, |(port, _count)| port);
    let port = port_text.parse::<u16>().map_err(|_| bad())?;
    let proto = fields.next().ok_or_else(bad)?.to_owned();
    let formats = fields.filter_map(parse_payload_type).collect();
    Ok(MediaDescription {
        port,
        proto,
        formats,
        connection: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        ptime_ms: None,
        direction: None,
    })
}

/// Parses `IN IP4|IP6 <address>[/<ttl>...]`.
fn parse_connection(value: &str) -> Result<IpAddr, SdpError> {
    let bad = || SdpError::BadConnection(value.to_owned());
    let mut fields = value.split_whitespace();
    let (Some("IN"), Some("IP4" | "IP6"), Some(address)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(bad());
    };
    let address = address.split_once('/').map_or(address, |(address, _ttl)| address);
    address.parse().map_err(|_| bad())
}

/// Applies one media-level `a=` attribute; malformed ones are ignored.
fn parse_media_attribute(media: &mut MediaDescription, value: &str) -> Option<()> {
    if let Some(direction) = Direction::from_attribute(value) {
        media.direction = Some(direction);
        return Some(());
    }
    let (name, rest) = value.split_once(':')?;
    match name {
        "rtpmap" => media.rtpmaps.push(parse_rtpmap(rest)?),
        "fmtp" => {
            let (pt, params) = rest.split_once(' ')?;
            media.fmtps.push((parse_payload_type(pt)?, params.trim().to_owned()));
        }
        "ptime" => media.ptime_ms = Some(rest.trim().parse().ok()?),
        _ => {}
    }
    Some(())
}

/// Parses `<pt> <encoding>/<clock rate>[/<channels>]`.
fn parse_rtpmap(value: &str) -> Option<RtpMap> {
    let (pt, format) = value.trim().split_once(' ')?;
    let mut parts = format.trim().split('/');
    let encoding = parts.next()?.to_owned();
    let clock_rate = parts.next()?.parse().ok()?;
    Some(RtpMap { payload_type: parse_payload_type(pt)?, encoding, clock_rate })
}

/// A 7-bit RTP payload type.
fn parse_payload_type(text: &str) -> Option<u8> {
    text.parse::<u8>().ok().filter(|&pt| pt < 128)
}

/// Checks the remote audio stream is usable and returns it with its address.
fn usable_audio(remote: &SessionDescription) -> Result<(&MediaDescription, IpAddr), SdpError> {
    let audio = remote.audio.as_ref().ok_or(SdpError::NoAudio)?;
    if audio.port == 0 {
        return Err(SdpError::Rejected);
    }
    if !(audio.proto.eq_ignore_ascii_case("RTP/AVP") || audio.proto.eq_ignore_ascii_case("RTP/AVPF")) {
        return Err(SdpError::UnsupportedProtocol(audio.proto.clone()));
    }
    let address = remote.audio_address().ok_or(SdpError::NoConnectionAddress)?;
    Ok((audio, address))
}

/// Reads the answer to our offer: the answer's first G.711 format that we offered wins, and
/// DTMF uses the answer's telephone-event payload type (which may differ from ours).
pub fn negotiate(offer: &Offer, answer: &SessionDescription) -> Result<Negotiated, SdpError> {
    let (audio, address) = usable_audio(answer)?;
    let (payload_type, codec) = audio
        .formats
        .iter()
        .find_map(|&pt| audio.codec_for(pt).filter(|codec| offer.codecs.contains(codec)).map(|codec| (pt, codec)))
        .ok_or(SdpError::NoCommonCodec)?;
    Ok(Negotiated {
        remote: SocketAddr::new(address, audio.port),
        codec,
        payload_type,
        telephone_event_pt: audio.telephone_event_pt(),
        ptime_ms: audio.ptime_ms.unwrap_or(DEFAULT_PTIME_MS),
        direction: answer.audio_direction().reversed(),
    })
}

/// Answers a remote offer (we are the called side): picks our most preferred codec that the
/// remote offered, echoes the remote's telephone-event payload type, and renders our SDP.
pub fn answer_for(offer: &SessionDescription, local: &Offer) -> Result<(Negotiated, String), SdpError> {
    let (audio, address) = usable_audio(offer)?;
    let (payload_type, codec) = local
        .codecs
        .iter()
        .find_map(|&codec| audio.formats.iter().find(|&&pt| audio.codec_for(pt) == Some(codec)).map(|&pt| (pt, codec)))
        .ok_or(SdpError::NoCommonCodec)?;
    let telephone_event_pt = audio.telephone_event_pt();
    let direction = offer.audio_direction().reversed();
    let sdp = render(local, &[(payload_type, codec)], telephone_event_pt, direction);
    let negotiated = Negotiated {
        remote: SocketAddr::new(address, audio.port),
        codec,
        payload_type,
        telephone_event_pt,
        ptime_ms: audio.ptime_ms.unwrap_or(DEFAULT_PTIME_MS),
        direction,
    };
    Ok((negotiated, sdp))
}

/// Renders our side's SDP with the given formats; `local` supplies ids, address and ptime.
fn render(local: &Offer, formats: &[(u8, Codec)], telephone_event_pt: Option<u8>, direction: Direction) -> String {
    let family = if local.address.is_ipv4() { "IP4" } else { "IP6" };
    let mut payload_types: Vec<String> = formats.iter().map(|(pt, _)| pt.to_string()).collect();
    payload_types.extend(telephone_event_pt.map(|pt| pt.to_string()));
    let mut lines = vec![
        "v=0".to_owned(),
        format!("o=agentline {id} {id} IN {family} {address}", id = local.session_id, address = local.address),
        "s=agentline".to_owned(),
        format!("c=IN {family} {}", local.address),
        "t=0 0".to_owned(),
        format!("m=audio {} RTP/AVP {}", local.port, payload_types.join(" ")),
    ];
    lines.extend(formats.iter().map(|(pt, codec)| format!("a=rtpmap:{pt} {}/8000", codec.name())));
    if let Some(pt) = telephone_event_pt {
        lines.push(format!("a=rtpmap:{pt} telephone-event/{TELEPHONE_EVENT_RATE}"));
        lines.push(format!("a=fmtp:{pt} 0-16"));
    }
    lines.push(format!("a=ptime:{}", local.ptime_ms));
    lines.push(format!("a={}", direction.attribute()));
    lines.iter().map(|line| format!("{line}\r\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const SIPP_ANSWER: &str = "v=0\r\no=sipp 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n\
        t=0 0\r\nm=audio 16000 RTP/AVP 0 96\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:96 telephone-event/8000\r\n\
        a=fmtp:96 0-15\r\na=ptime:20\r\na=sendrecv\r\n";

    const BARESIP_OFFER: &str = "v=0\no=- 1 2 IN IP4 192.0.2.10\ns=baresip\nc=IN IP4 192.0.2.10\nt=0 0\n\
        m=audio 20000 RTP/AVP 0 8 101\na=rtpmap:0 PCMU/8000\na=rtpmap:8 PCMA/8000\n\
        a=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\na=ptime:20\na=rtcp-rsize\n";

    fn offer() -> Offer {
        Offer {
            session_id: 42,
            address: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)),
            port: 30000,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
            telephone_event_pt: 101,
            ptime_ms: 20,
        }
    }

    /// An answer with the given media section lines after a session-level c=.
    fn answer_with(media: &str) -> SessionDescription {
        parse(&format!("v=0\no=- 1 1 IN IP4 198.51.100.1\ns=-\nc=IN IP4 198.51.100.1\nt=0 0\n{media}")).unwrap()
    }

    #[test]
    fn renders_the_offer() {
        let expected = "v=0\r\no=agentline 42 42 IN IP4 10.0.0.5\r\ns=agentline\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n\
            m=audio 30000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
            a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
        assert_eq!(offer().to_sdp(), expected);
    }

    #[test]
    fn renders_an_ipv6_offer() {
        let offer = Offer { address: IpAddr::V6(Ipv6Addr::LOCALHOST), codecs: vec![Codec::Pcma], ..offer() };
        let sdp = offer.to_sdp();
        assert!(sdp.contains("o=agentline 42 42 IN IP6 ::1\r\n"), "{sdp}");
        assert!(sdp.contains("c=IN IP6 ::1\r\n"));
        assert!(sdp.contains("m=audio 30000 RTP/AVP 8 101\r\n"));
    }

    #[test]
    fn our_offer_parses_back() {
        let parsed = parse(&offer().to_sdp()).unwrap();
        let audio = parsed.audio.as_ref().unwrap();
        assert_eq!(parsed.connection, Some(offer().address));
        assert_eq!(audio.formats, [0, 8, 101]);
        assert_eq!(audio.telephone_event_pt(), Some(101));
        assert_eq!(audio.fmtps, [(101, "0-16".to_owned())]);
        assert_eq!(parsed.audio_direction(), Direction::SendRecv);
    }

    #[test]
    fn parses_the_sipp_answer() {
        let answer = parse(SIPP_ANSWER).unwrap();
        let audio = answer.audio.as_ref().unwrap();
        assert_eq!(answer.connection, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!((audio.port, audio.proto.as_str()), (16000, "RTP/AVP"));
        assert_eq!(audio.formats, [0, 96]);
        assert_eq!(audio.rtpmap(96).unwrap().encoding, "telephone-event");
        assert_eq!(audio.ptime_ms, Some(20));
        assert_eq!(audio.direction, Some(Direction::SendRecv));
    }

    #[test]
    fn negotiates_with_sipp_using_its_telephone_event_pt() {
        let negotiated = negotiate(&offer(), &parse(SIPP_ANSWER).unwrap()).unwrap();
        assert_eq!(
            negotiated,
            Negotiated {
                remote: "127.0.0.1:16000".parse().unwrap(),
                codec: Codec::Pcmu,
                payload_type: 0,
                telephone_event_pt: Some(96),
                ptime_ms: 20,
                direction: Direction::SendRecv,
            }
        );
    }

    #[test]
    fn answers_a_baresip_offer() {
        let remote = parse(BARESIP_OFFER).unwrap();
        let local = Offer { codecs: vec![Codec::Pcma, Codec::Pcmu], ..offer() };
        let (negotiated, sdp) = answer_for(&remote, &local).unwrap();
        assert_eq!(negotiated.remote, "192.0.2.10:20000".parse().unwrap());
        assert_eq!((negotiated.codec, negotiated.payload_type), (Codec::Pcma, 8));
        assert_eq!(negotiated.telephone_event_pt, Some(101));
        assert!(sdp.contains("m=audio 30000 RTP/AVP 8 101\r\n"), "{sdp}");
        assert!(sdp.contains("a=rtpmap:8 PCMA/8000\r\n"));
        assert!(!sdp.contains("PCMU"));
        assert!(sdp.contains("a=sendrecv\r\n"));
        // Our own answer is something the offerer could negotiate against.
        let as_answer = parse(&sdp).unwrap();
        let their_offer = Offer { codecs: vec![Codec::Pcmu, Codec::Pcma], ..offer() };
        assert_eq!(negotiate(&their_offer, &as_answer).unwrap().codec, Codec::Pcma);
    }

    #[test]
    fn answer_echoes_the_remote_event_pt_and_omits_it_when_absent() {
        let remote = answer_with("m=audio 4000 RTP/AVP 0 97\na=rtpmap:97 telephone-event/8000\n");
        let (negotiated, sdp) = answer_for(&remote, &offer()).unwrap();
        assert_eq!(negotiated.telephone_event_pt, Some(97));
        assert!(sdp.contains("m=audio 30000 RTP/AVP 0 97\r\n") && sdp.contains("a=rtpmap:97 telephone-event/8000"));
        let plain = answer_with("m=audio 4000 RTP/AVP 0\n");
        let (negotiated, sdp) = answer_for(&plain, &offer()).unwrap();
        assert_eq!(negotiated.telephone_event_pt, None);
        assert!(sdp.contains("m=audio 30000 RTP/AVP 0\r\n") && !sdp.contains("telephone-event"), "{sdp}");
    }

    #[test]
    fn answer_mirrors_the_direction() {
        let remote = answer_with("m=audio 4000 RTP/AVP 0\na=sendonly\n");
        let (negotiated, sdp) = answer_for(&remote, &offer()).unwrap();
        assert_eq!(negotiated.direction, Direction::RecvOnly);
        assert!(sdp.contains("a=recvonly\r\n"));
    }

    #[test]
    fn session_level_connection_applies_when_media_has_none() {
        let answer = answer_with("m=audio 5004 RTP/AVP 8\n");
        assert_eq!(answer.audio_address(), Some("198.51.100.1".parse().unwrap()));
        assert_eq!(negotiate(&offer(), &answer).unwrap().remote, "198.51.100.1:5004".parse().unwrap());
    }

    #[test]
    fn media_level_connection_overrides_the_session() {
        let answer = answer_with("m=audio 5004 RTP/AVP 8\nc=IN IP4 203.0.113.9\n");
        assert_eq!(answer.connection, Some("198.51.100.1".parse().unwrap()));
        assert_eq!(negotiate(&offer(), &answer).unwrap().remote, "203.0.113.9:5004".parse().unwrap());
    }

    #[test]
    fn media_level_only_connection_is_enough() {
        let answer = parse("v=0\nm=audio 5004 RTP/AVP 0\nc=IN IP4 203.0.113.9/127\n").unwrap();
        assert_eq!(answer.connection, None);
        assert_eq!(negotiate(&offer(), &answer).unwrap().remote, "203.0.113.9:5004".parse().unwrap());
    }

    #[test]
    fn parses_ipv6() {
        let answer = parse("v=0\r\nc=IN IP6 2001:db8::1\r\nm=audio 7078 RTP/AVP 0\r\n").unwrap();
        let negotiated = negotiate(&offer(), &answer).unwrap();
        assert_eq!(negotiated.remote, "[2001:db8::1]:7078".parse().unwrap());
    }

    #[test]
    fn rejected_media_is_an_error() {
        let answer = answer_with("m=audio 0 RTP/AVP 0\n");
        assert_eq!(negotiate(&offer(), &answer), Err(SdpError::Rejected));
        assert_eq!(answer_for(&answer, &offer()), Err(SdpError::Rejected));
    }

    #[test]
    fn no_common_codec_is_an_error() {
        let answer = answer_with("m=audio 4000 RTP/AVP 9 18\na=rtpmap:9 G722/8000\n");
        assert_eq!(negotiate(&offer(), &answer), Err(SdpError::NoCommonCodec));
        let only_pcma = answer_with("m=audio 4000 RTP/AVP 8\n");
        let pcmu_only = Offer { codecs: vec![Codec::Pcmu], ..offer() };
        assert_eq!(negotiate(&pcmu_only, &only_pcma), Err(SdpError::NoCommonCodec));
        assert_eq!(answer_for(&only_pcma, &pcmu_only), Err(SdpError::NoCommonCodec));
    }

    #[test]
    fn picks_the_answers_first_acceptable_format() {
        let answer = answer_with("m=audio 4000 RTP/AVP 9 8 0\n");
        assert_eq!(negotiate(&offer(), &answer).unwrap().codec, Codec::Pcma);
    }

    #[test]
    fn rtpmap_names_are_case_insensitive_and_can_remap_payload_types() {
        let answer =
            answer_with("m=audio 4000 RTP/AVP 100 102\na=rtpmap:100 pcma/8000\na=rtpmap:102 Telephone-Event/8000\n");
        let negotiated = negotiate(&offer(), &answer).unwrap();
        assert_eq!(
            (negotiated.codec, negotiated.payload_type, negotiated.telephone_event_pt),
            (Codec::Pcma, 100, Some(102))
        );
        // A 16 kHz telephone-event is not the one G.711 calls use.
        let wideband = answer_with("m=audio 4000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/16000\n");
        assert_eq!(negotiate(&offer(), &wideband).unwrap().telephone_event_pt, None);
    }

    #[test]
    fn missing_connection_address_is_an_error() {
        let answer = parse("v=0\nm=audio 4000 RTP/AVP 0\n").unwrap();
        assert_eq!(negotiate(&offer(), &answer), Err(SdpError::NoConnectionAddress));
    }

    #[test]
    fn missing_audio_and_srtp_are_errors() {
        let video_only = answer_with("m=video 4000 RTP/AVP 96\n");
        assert_eq!(negotiate(&offer(), &video_only), Err(SdpError::NoAudio));
        let srtp = answer_with("m=audio 4000 RTP/SAVP 0\n");
        assert_eq!(negotiate(&offer(), &srtp), Err(SdpError::UnsupportedProtocol("RTP/SAVP".to_owned())));
    }

    #[test]
    fn only_the_first_audio_section_counts() {
        let answer = answer_with(
            "m=video 5000 RTP/AVP 96\nc=IN IP4 192.0.2.99\na=ptime:60\nm=audio 4000 RTP/AVP 8\na=ptime:30\n\
             m=audio 6000 RTP/AVP 0\na=ptime:40\n",
        );
        let negotiated = negotiate(&offer(), &answer).unwrap();
        assert_eq!(negotiated.remote, "198.51.100.1:4000".parse().unwrap());
        assert_eq!((negotiated.codec, negotiated.ptime_ms), (Codec::Pcma, 30));
    }

    #[test]
    fn directions_resolve_media_over_session_over_default() {
        assert_eq!(answer_with("m=audio 4000 RTP/AVP 0\n").audio_direction(), Direction::SendRecv);
        let session_level = parse("v=0\nc=IN IP4 192.0.2.1\na=recvonly\nm=audio 4000 RTP/AVP 0\n").unwrap();
        assert_eq!(session_level.audio_direction(), Direction::RecvOnly);
        assert_eq!(negotiate(&offer(), &session_level).unwrap().direction, Direction::SendOnly);
        let both = parse("v=0\nc=IN IP4 192.0.2.1\na=recvonly\nm=audio 4000 RTP/AVP 0\na=inactive\n").unwrap();
        assert_eq!(both.audio_direction(), Direction::Inactive);
    }

    #[test]
    fn direction_helpers() {
        assert!(Direction::SendRecv.sends() && Direction::SendRecv.receives());
        assert!(Direction::SendOnly.sends() && !Direction::SendOnly.receives());
        assert!(!Direction::Inactive.sends() && !Direction::Inactive.receives());
        assert_eq!(Direction::SendOnly.reversed(), Direction::RecvOnly);
        assert_eq!(Direction::Inactive.reversed(), Direction::Inactive);
        assert_eq!(Direction::from_attribute("sendonly"), Some(Direction::SendOnly));
        assert_eq!(Direction::from_attribute("rtcp-mux"), None);
    }

    #[test]
    fn defaults_ptime_and_ignores_malformed_attributes() {
        let answer = answer_with("m=audio 4000 RTP/AVP 0\na=ptime:abc\na=rtpmap:x\na=rtpmap:200 foo/8000\na=fmtp:0\n");
        let audio = answer.audio.as_ref().unwrap();
        assert_eq!((audio.ptime_ms, audio.rtpmaps.len(), audio.fmtps.len()), (None, 0, 0));
        assert_eq!(negotiate(&offer(), &answer).unwrap().ptime_ms, 20);
    }

    #[test]
    fn tolerates_port_counts_and_odd_formats() {
        let answer = answer_with("m=audio 4000/2 RTP/AVP 0 abc 300 8\n");
        assert_eq!(answer.audio.as_ref().unwrap().formats, [0, 8]);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse(""), Err(SdpError::NotSdp));
        assert_eq!(parse("hello world"), Err(SdpError::NotSdp));
        assert_eq!(parse("v=1\n"), Err(SdpError::NotSdp));
        assert!(matches!(parse("v=0\nm=audio x RTP/AVP 0\n"), Err(SdpError::BadMedia(_))));
        assert!(matches!(parse("v=0\nm=audio 4000\n"), Err(SdpError::BadMedia(_))));
        assert!(matches!(parse("v=0\nc=IN IP4 not-an-ip\n"), Err(SdpError::BadConnection(_))));
        assert!(matches!(parse("v=0\nc=IN\n"), Err(SdpError::BadConnection(_))));
        // Lines without '=' and unknown line types are skipped.
        assert!(parse("v=0\nnonsense\nz=whatever\nm=audio 4000 RTP/AVP 0\n").unwrap().audio.is_some());
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,300}") {
            let _ = parse(&text);
        }

        #[test]
        fn parse_never_panics_on_sdp_shaped_input(
            lines in proptest::collection::vec("[vocmat]=[a-zA-Z0-9 :/.\\-]{0,30}", 0..20),
        ) {
            let text = format!("v=0\r\n{}", lines.join("\r\n"));
            if let Ok(session) = parse(&text) {
                let _ = negotiate(&offer(), &session);
                let _ = answer_for(&session, &offer());
            }
        }

        #[test]
        fn rendered_offers_negotiate_against_themselves(
            port in 1u16.., session_id in any::<u64>(), te in 96u8..128, pcma_first in any::<bool>(), v6 in any::<bool>(),
        ) {
            let codecs = if pcma_first { vec![Codec::Pcma, Codec::Pcmu] } else { vec![Codec::Pcmu, Codec::Pcma] };
            let address = if v6 { IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7)) } else { offer().address };
            let ours = Offer { session_id, address, port, codecs: codecs.clone(), telephone_event_pt: te, ptime_ms: 20 };
            let negotiated = negotiate(&ours, &parse(&ours.to_sdp()).unwrap()).unwrap();
            prop_assert_eq!(negotiated.remote, SocketAddr::new(address, port));
            prop_assert_eq!(negotiated.codec, codecs[0]);
            prop_assert_eq!(negotiated.telephone_event_pt, Some(te));
        }
    }
}

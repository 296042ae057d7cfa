"""Pipecat peer for agentline's Twilio Media Streams benchmark.

A FastAPI/uvicorn server whose `/ws` endpoint is Pipecat's standard Twilio pattern (as in
pipecat-examples' twilio-chatbot): `parse_telephony_websocket` reads Twilio's `connected` and
`start` messages, a `TwilioFrameSerializer` (auto hang-up off: there is no Twilio account to
call) feeds a `FastAPIWebsocketTransport`, and the pipeline runs at 8 kHz in and out.

Pipeline, one per call:

    transport.input()
    -> VADProcessor(SileroVADAnalyzer(VADParams(stop_secs=0.7)))
    -> UserTurnProcessor(start: VAD, stop: speech timeout 0 s after the VAD stop)
    -> StandInSTT -> StandInLLM -> StandInTTS
    -> transport.output()

The stand-ins behave like agentline's stand-in engines:

- STT: when the user turn ends (UserStoppedSpeakingFrame, i.e. 700 ms of silence by Silero),
  emits a finalized TranscriptionFrame "I would like to book an appointment" at once.
- LLM: for each transcription, emits "Sure, I can help you with that." at once
  (LLMFullResponseStartFrame, LLMTextFrame, LLMFullResponseEndFrame).
- TTS: for each sentence, waits 350 ms, then yields 2.0 s of a 440 Hz tone as 20 ms
  TTSAudioRawFrames at the pipeline's output rate; the TTSService base class brackets them
  with TTSStartedFrame/TTSStoppedFrame as for Pipecat's own HTTP TTS services.

Interruptions are Pipecat's default: the user turn starting (VAD start) broadcasts an
interruption, which stops the TTS and makes the serializer send Twilio a `clear`.

Run: uvicorn single worker, log level warning (see run.sh). Pipecat logs through loguru,
which is set to WARNING as well.
"""

import asyncio
import math
import os
import struct
import sys

import uvicorn
from fastapi import FastAPI, WebSocket
from loguru import logger
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import (
    Frame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.services.settings import STTSettings, TTSSettings
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_processor import UserTurnProcessor
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.utils.time import time_now_iso8601
from pipecat.workers.runner import WorkerRunner

TRANSCRIPT = "I would like to book an appointment"
REPLY = "Sure, I can help you with that."
TTS_DELAY_S = 0.35
TTS_AUDIO_S = 2.0
TTS_CHUNK_S = 0.02
TONE_HZ = 440.0
TONE_AMPLITUDE = 0.3
VAD_STOP_S = 0.7
SAMPLE_RATE = 8000

logger.remove()
logger.add(sys.stderr, level=os.environ.get("PIPECAT_LOG_LEVEL", "WARNING"))

_tones: dict[int, bytes] = {}


def tone(sample_rate: int) -> bytes:
    """TTS_AUDIO_S of a 440 Hz tone as 16-bit little-endian PCM, built once per rate."""
    if sample_rate not in _tones:
        n = int(sample_rate * TTS_AUDIO_S)
        peak = TONE_AMPLITUDE * 32767
        samples = (int(peak * math.sin(2 * math.pi * TONE_HZ * i / sample_rate)) for i in range(n))
        _tones[sample_rate] = struct.pack(f"<{n}h", *samples)
    return _tones[sample_rate]


class StandInSTT(STTService):
    """Hears every user turn as TRANSCRIPT, as soon as the turn ends."""

    def __init__(self, **kwargs):
        # No recognition latency: the turn-stop strategy need not wait for a transcript.
        super().__init__(
            ttfs_p99_latency=0.0, settings=STTSettings(model=None, language=None), **kwargs
        )

    async def run_stt(self, audio: bytes):
        # The audio is not recognised; the transcript comes at the end of the turn.
        return
        yield

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, UserStoppedSpeakingFrame) and direction == FrameDirection.DOWNSTREAM:
            await self.push_frame(
                TranscriptionFrame(TRANSCRIPT, "", time_now_iso8601(), finalized=True)
            )


class StandInLLM(FrameProcessor):
    """Answers every final transcription with REPLY at once."""

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, TranscriptionFrame) and direction == FrameDirection.DOWNSTREAM:
            await self.push_frame(LLMFullResponseStartFrame())
            await self.push_frame(LLMTextFrame(REPLY))
            await self.push_frame(LLMFullResponseEndFrame())
        else:
            await self.push_frame(frame, direction)


class StandInTTS(TTSService):
    """Speaks every sentence as TTS_AUDIO_S of tone, TTS_DELAY_S after it is asked for."""

    def __init__(self, **kwargs):
        super().__init__(
            push_start_frame=True,
            push_stop_frames=True,
            settings=TTSSettings(model=None, voice=None, language=None),
            **kwargs,
        )

    async def run_tts(self, text: str, context_id: str):
        await asyncio.sleep(TTS_DELAY_S)
        audio = tone(self.sample_rate)
        step = int(self.sample_rate * TTS_CHUNK_S) * 2
        for start in range(0, len(audio), step):
            yield TTSAudioRawFrame(audio[start : start + step], self.sample_rate, 1, context_id=context_id)


app = FastAPI()


@app.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket):
    await websocket.accept()
    _, call_data = await parse_telephony_websocket(websocket)
    serializer = TwilioFrameSerializer(
        stream_sid=call_data["stream_id"],
        call_sid=call_data["call_id"],
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        websocket=websocket,
        params=FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            add_wav_header=False,
            serializer=serializer,
        ),
    )
    vad = VADProcessor(vad_analyzer=SileroVADAnalyzer(params=VADParams(stop_secs=VAD_STOP_S)))
    turns = UserTurnProcessor(
        user_turn_strategies=UserTurnStrategies(
            start=[VADUserTurnStartStrategy()],
            stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.0, wait_for_transcript=False)],
        )
    )
    pipeline = Pipeline(
        [transport.input(), vad, turns, StandInSTT(), StandInLLM(), StandInTTS(), transport.output()]
    )
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(audio_in_sample_rate=SAMPLE_RATE, audio_out_sample_rate=SAMPLE_RATE),
    )

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(transport, client):
        await worker.cancel()

    runner = WorkerRunner(handle_sigint=False, force_gc=True)
    await runner.add_workers(worker)
    await runner.run()


if __name__ == "__main__":
    uvicorn.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8765")),
        workers=1,
        log_level="warning",
    )

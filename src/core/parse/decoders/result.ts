// What a decoder returns: the decoded payload, a string saying why a payload of a known event
// could not be decoded (the line is then rejected with that detail), or undefined for an event
// no decoder knows (kept as an event with `decoded: undefined`).
import type { Decoded } from '../types';

export type DecodeResult = Decoded | string | undefined;

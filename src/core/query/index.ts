// The timeline's query layer: a level-of-detail index over a replay's marks (time range and pixel
// width in, per-pixel bins out) and the range-counting rule shared with the CLI.
export { TimelineIndex, MAX_WINDOW_BARS, MAX_MARKERS, HEAT_ROWS, heatColumns } from './timelineIndex';
export { TimelineQuery, MAX_WIDTH, type ReplayMarks, type TimelineQueryInput } from './timelineQuery';
export { countMarksInRange, emptyRangeStats, passesFilter } from './rangeStats';
export { lowerBound, upperBound, edgePositions } from './sortedSearch';
export { ipaRegions, regionRow } from './ipaRegions';

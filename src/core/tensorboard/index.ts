export { EVENT_FILE_PREFIX, EventFileReader, TensorBoardLogs, findEventFiles } from './eventFiles';
export { EventScalarDecoder, type ScalarPoint } from './eventScalars';
export { maskedCrc32c, readTfRecords, type TfRecordRead } from './tfRecord';

export {
  EventFileReader,
  TensorBoardLogs,
  findEventFiles,
  readTensorBoardScalars,
  type EventFileCursor,
} from './eventFiles';
export { EVENT_FILE_DEPTH, EVENT_FILE_PREFIX } from './layout';
export { EventScalarDecoder, type ScalarPoint } from './eventScalars';
export { maskedCrc32c, readTfRecords, type TfRecordRead } from './tfRecord';

/** The largest request body the API parses (1 MiB); larger ones are answered 413 before any handler runs. */
export const MAX_BODY_BYTES = 1024 * 1024;

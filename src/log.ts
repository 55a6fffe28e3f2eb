import createDebug from 'debug'

/** Enable with DEBUG=adminjs-single-session. The library never writes to the console itself. */
export const log = createDebug('adminjs-single-session')

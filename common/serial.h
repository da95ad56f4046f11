/*
 * A device serial number: 16 characters, kept NUL-terminated in
 * char[SERIAL_LEN + 1] everywhere (configuration, IPC records, commands).
 */
#ifndef TSUN_SERIAL_H
#define TSUN_SERIAL_H

#define SERIAL_LEN	16

#endif

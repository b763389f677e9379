@formats
Feature: Formats and validation of the Update Case body
  Dates are RFC 3339 full-dates, local times are HH:MM:SS with optional milliseconds after
  a colon and no timezone, date-times are RFC 3339 with an offset, lengths count characters,
  JSON types are strict and ids are Salesforce ids. A refused PATCH answers 400 and changes
  nothing: the case is read back after every refusal.

  @FMT-TIME-INVALID @must
  Scenario Outline: <field> refuses the local time <value>
    Given a case with every field populated
    When I PATCH "<field>" with "<value>"
    Then the PATCH is refused with 400

    @fields:local-time
    Examples:
      | value          |
      | 24:00:00       |
      | 12:60:00       |
      | 12:00:60       |
      | 1:02:03        |
      | 12:00          |
      | 12:00:00Z      |
      | 12:00:00+02:00 |
      | 12:00:00:1234  |
      | 12:00:00:      |
      | noon           |
      | 2025-01-01     |

  @FMT-TIME-DOT @info
  Scenario Outline: <field> with a dot before the milliseconds
    Given a case with every field populated
    When I PATCH "<field>" with "12:00:00.123"
    Then I record whether the PATCH was accepted and what "<field>" reads back as

    @fields:local-time
    Examples:
      | field |

  @FMT-DATE @must
  Scenario Outline: <field> accepts the date <value>
    Given a case with every field populated
    When I PATCH "<field>" with "<value>"
    Then the PATCH succeeds
    And "<field>" reads back as the value sent

    @fields:date
    Examples:
      | value      |
      | 2024-02-29 |
      | 2000-02-29 |
      | 1999-12-31 |
      | 2025-01-01 |

  @FMT-DATE-INVALID @must
  Scenario Outline: <field> refuses the date <value>
    Given a case with every field populated
    When I PATCH "<field>" with "<value>"
    Then the PATCH is refused with 400

    @fields:date
    Examples:
      | value                |
      | 2023-02-29           |
      | 1900-02-29           |
      | 2025-04-31           |
      | 2025-13-01           |
      | 2025-00-10           |
      | 2025-01-00           |
      | 2025-1-5             |
      | 2025/01/05           |
      | 05-01-2025           |
      | 20250105             |
      | 2025-01-05T00:00:00Z |
      | tomorrow             |

  @FMT-DATETIME @must
  Scenario Outline: <field> accepts the date-time <value> as the same instant
    Given a case with every field populated
    When I PATCH "<field>" with "<value>"
    Then the PATCH succeeds
    And "<field>" reads back as the value sent

    @fields:date-time
    Examples:
      | value                         |
      | 2025-03-01T10:00:00Z          |
      | 2025-03-01T10:00:00+05:30     |
      | 2025-03-01T10:00:00-08:00     |
      | 2025-03-01T10:00:00.123Z      |
      | 2025-03-01T23:30:00.5+14:00   |
      | 2024-02-29T00:00:00.999-12:00 |

  @FMT-DATETIME-INVALID @must
  Scenario Outline: <field> refuses the date-time <value>
    Given a case with every field populated
    When I PATCH "<field>" with "<value>"
    Then the PATCH is refused with 400

    @fields:date-time
    Examples:
      | value                     |
      | 2025-03-01T10:00:00       |
      | 2025-03-01                |
      | 2025-03-01 10:00:00Z      |
      | 2025-02-30T10:00:00Z      |
      | 2025-03-01T25:00:00Z      |
      | 2025-03-01T10:00:00+2:00  |
      | 10:00:00Z                 |
      | yesterday                 |

  @FMT-LENGTH @must
  Scenario Outline: <field> stores exactly its maximum length
    Given a case with every field populated
    When I PATCH "<field>" with a text of its maximum length in "a"
    Then the PATCH succeeds
    And "<field>" reads back as the value sent

    @fields:bounded
    Examples:
      | field |

  @FMT-LENGTH @must
  Scenario Outline: <field> refuses one character over its maximum length
    Given a case with every field populated
    When I PATCH "<field>" with a text one character over its maximum length
    Then the PATCH is refused with 400

    @fields:bounded
    Examples:
      | field |

  @FMT-LENGTH-CHARS @should
  Scenario Outline: <field> counts characters, not bytes
    Given a case with every field populated
    When I PATCH "<field>" with a text of its maximum length in "é"
    Then the PATCH succeeds
    And "<field>" reads back as the value sent

    @fields:bounded
    Examples:
      | field |

  @FMT-TYPES @must
  Scenario Outline: text field <field> refuses the JSON value <json>
    Given a case with every field populated
    When I PATCH "<field>" with the JSON value <json>
    Then the PATCH is refused with 400

    @fields:string
    Examples:
      | json         |
      | 12           |
      | true         |
      | {"a": "b"}   |
      | ["x"]        |

  @FMT-TYPES @must
  Scenario Outline: number field <field> refuses the JSON value <json>
    Given a case with every field populated
    When I PATCH "<field>" with the JSON value <json>
    Then the PATCH is refused with 400

    @fields:number
    Examples:
      | json    |
      | "12.5"  |
      | true    |
      | {}      |
      | [1]     |

  @FMT-TYPES @must
  Scenario Outline: boolean field <field> refuses the JSON value <json>
    Given a case with every field populated
    When I PATCH "<field>" with the JSON value <json>
    Then the PATCH is refused with 400

    @fields:boolean
    Examples:
      | json    |
      | "true"  |
      | 1       |
      | 0       |
      | "yes"   |

  @FMT-TYPES @must
  Scenario Outline: <field> refuses the JSON value <json>
    Given a case with every field populated
    When I PATCH "<field>" with the JSON value <json>
    Then the PATCH is refused with 400

    @fields:date @fields:local-time @fields:date-time @fields:sfid
    Examples:
      | json     |
      | 20250105 |
      | true     |
      | {}       |

  @FMT-SFID @must
  Scenario Outline: <field> accepts the <form>-character form of an existing record's id
    Given a case with every field populated
    When I PATCH "<field>" with the <form>-character form of another existing record's id
    Then the PATCH succeeds
    And "<field>" reads back as the value sent

    @fields:sfid
    Examples:
      | form |
      | 15   |
      | 18   |

  @FMT-SFID @must
  Scenario Outline: <field> refuses an id with <defect>
    Given a case with every field populated
    When I PATCH "<field>" with an existing record's id with <defect>
    Then the PATCH is refused with 400

    @fields:sfid
    Examples:
      | defect                       |
      | 14 characters                |
      | 16 characters                |
      | 17 characters                |
      | 19 characters                |
      | a non-alphanumeric character |

  @FMT-SFID-CHECKSUM @should
  Scenario Outline: <field> refuses an 18-character id whose suffix is not its checksum
    Given a case with every field populated
    When I PATCH "<field>" with an existing record's id with a wrong checksum suffix
    Then the PATCH is refused with 400

    @fields:sfid
    Examples:
      | field |

  @FMT-ATOMIC @must
  Scenario Outline: a body with one invalid <kind> among valid fields changes nothing
    Given a case with every field populated
    When I PATCH new values of several fields together with an invalid <kind>
    Then the PATCH is refused with 400

    Examples:
      | kind       |
      | date       |
      | local-time |
      | date-time  |
      | number     |
      | length     |

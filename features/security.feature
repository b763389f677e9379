@security
Feature: Authentication and API versioning of Update Case
  Every request carries "Authorization: Bearer <JWT>" and an API-Version header. A request
  without a valid token gets 401 with a Bearer challenge and changes nothing.

  @AUTH-MISSING @must
  Scenario: a PATCH without Authorization gets 401 and changes nothing
    Given a case with every field populated
    When I PATCH another field without an Authorization header
    Then the answer is 401
    And every field reads back unchanged

  @AUTH-INVALID @must
  Scenario Outline: a PATCH with <token> gets 401 and changes nothing
    Given a case with every field populated
    When I PATCH another field with <token>
    Then the answer is 401
    And every field reads back unchanged

    Examples:
      | token                          |
      | a garbage token                |
      | the token with characters altered    |
      | the token with its signature altered |
      | the token with its payload altered   |
      | an expired token               |

  @AUTH-SCHEME @should
  Scenario: Basic credentials get 401
    Given a case with every field populated
    When I PATCH another field with Basic credentials
    Then the answer is 401
    And every field reads back unchanged

  @AUTH-CHALLENGE @should
  Scenario Outline: a 401 for <token> carries a Bearer challenge
    Given a case with every field populated
    When I PATCH another field with <token>
    Then the answer is 401 with a WWW-Authenticate Bearer challenge

    Examples:
      | token           |
      | no token        |
      | a garbage token |

  @VER-CURRENT @must
  Scenario: API-Version 1.0 works
    Given a case with every field populated
    When I PATCH another field with API-Version "1.0"
    Then the PATCH succeeds
    And the fields in the body read back as sent

  @VER-DEFAULT @info
  Scenario: a PATCH without API-Version
    Given a case with every field populated
    When I PATCH another field without an API-Version header
    Then I record whether the PATCH was applied

  @VER-UNSUPPORTED @should
  Scenario Outline: API-Version <version> gets a 4xx with a message
    Given a case with every field populated
    When I PATCH another field with API-Version "<version>"
    Then the answer is a 4xx JSON error with a message
    And every field reads back unchanged

    Examples:
      | version |
      | 99.0    |
      | 0.9     |
